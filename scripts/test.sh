#!/usr/bin/env bash
# The whole suite, as `make test` runs it: ruff (lint and format), data validation, Rasa test
# stories against the trained model, then pytest (unit and integration). Exits non-zero if any part fails.
set -uo pipefail
cd "$(dirname "$0")/.."

failures=()
step() { echo; echo "== $1"; }

step "ruff check and ruff format --check (pyproject.toml)"
.venv-app/bin/ruff check --quiet . || failures+=("ruff check")
.venv-app/bin/ruff format --check --quiet . || failures+=("ruff format (run: .venv-app/bin/ruff format .)")

step "rasa data validate --fail-on-warnings"
.venv-rasa/bin/rasa data validate --fail-on-warnings > var/validate.log 2>&1 \
  || { tail -30 var/validate.log; failures+=("rasa data validate"); }
grep -E "UserWarning: (Issue|The action|Found)" var/validate.log || true

step "rasa test core (tests/stories, --fail-on-prediction-errors)"
rm -rf results/stories
if .venv-rasa/bin/rasa test core --model models/assistant.tar.gz --stories tests/stories \
     --fail-on-prediction-errors --out results/stories > var/test-stories.log 2>&1; then
  grep -hE "Correct:|Accuracy" var/test-stories.log | tail -3
else
  tail -40 var/test-stories.log
  cat results/stories/failed_test_stories.yml 2>/dev/null | head -80
  failures+=("rasa test stories")
fi

step "pytest"
.venv-app/bin/python -m pytest -q -p no:cacheprovider "$@" || failures+=("pytest")

echo
if [ ${#failures[@]} -gt 0 ]; then
  echo "FAILED: ${failures[*]}"
  exit 1
fi
echo "All checks passed."
