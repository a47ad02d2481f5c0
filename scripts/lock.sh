#!/usr/bin/env bash
# `make lock`: resolve requirements/<env>.in into the exact pins of requirements/<env>.txt.
# Each environment is installed fresh into a throw-away virtualenv (so nothing left over from a
# developer's own environment leaks into the pins) and frozen. Then run `make venv` and the tests.
#   bash scripts/lock.sh [rasa] [app]     (both when none is named)
set -euo pipefail
cd "$(dirname "$0")/.."

describe() {
  case "$1" in
    rasa) echo "Rasa environment (Python 3.10)" ;;
    app) echo "Application environment (Python 3.11+)" ;;
  esac
}

lock() {
  local kind=$1 python scratch
  python=$(scripts/find-python.sh "$kind")
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  echo "Resolving requirements/$kind.in with $python..."
  "$python" -m venv "$scratch/venv"
  "$scratch/venv/bin/python" -m pip install --quiet --upgrade "pip==24.0"
  "$scratch/venv/bin/python" -m pip install --quiet -r "requirements/$kind.in"
  {
    echo "# $(describe "$kind"). Generated from requirements/$kind.in by 'make lock'; do not edit by hand."
    "$scratch/venv/bin/python" -m pip freeze --exclude pip --exclude setuptools --exclude wheel
  } > "requirements/$kind.txt.new"
  mv "requirements/$kind.txt.new" "requirements/$kind.txt"
  echo "Wrote requirements/$kind.txt ($(($(wc -l < "requirements/$kind.txt") - 1)) packages)."
}

kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(rasa app)
for kind in "${kinds[@]}"; do
  case "$kind" in
    rasa|app) lock "$kind" ;;
    *) echo "lock.sh: unknown environment '$kind' (rasa or app)" >&2; exit 2 ;;
  esac
done
