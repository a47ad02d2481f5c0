# The front door: `make run` starts everything, `make test` runs the whole suite.
# Two environments: .venv-rasa (Python 3.10, Rasa 3.6.21) and .venv-app (Python 3.11+, the rest).

SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_VENV := .venv-rasa
APP_VENV := .venv-app
RASA := $(RASA_VENV)/bin/rasa
APP_PY := $(APP_VENV)/bin/python
MODEL := models/assistant.tar.gz

# Every setting and its safe local default lives in bot/settings.py (the README lists them);
# a clinic in production sets them in its environment. VAR_DIR here only says where the training log goes.
VAR_DIR ?= $(CURDIR)/var
# Rasa's own telemetry would try to reach the internet.
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

.PHONY: help venv run test test-fast test-scale shell train validate eval bench export staff-add purge lock browser lb clean

help:
	@echo "make run       start the assistant (Rasa, actions, website widget, dashboard, Telegram if configured)"
	@echo "make test      run the whole test suite"
	@echo "make test-scale two replicas of every part behind HAProxy, 50 patients, crashes (part of make test)"
	@echo "make shell     chat with the bot in this terminal"
	@echo "make train     train the model when data or config changed"
	@echo "make validate  check the training data (rasa data validate --fail-on-warnings)"
	@echo "make eval      measure NLU accuracy and the intake (turns, answers in own words); rewrite docs/*-evaluation.md"
	@echo "make bench     measure speed under load beside a stock Rasa bot; rewrite docs/benchmark.md"
	@echo "make export    print stored consultation requests as JSON (FORMAT=csv for CSV)"
	@echo "make staff-add create a dashboard account (USERNAME=... ROLE=staff|admin)"
	@echo "make purge     delete what the clinic's retention says has expired (make run does it hourly)"
	@echo "make lock      re-resolve requirements/*.in into the hash-locked requirements/*.txt"

venv: $(RASA_VENV)/.installed $(APP_VENV)/.installed

# The locks pin every package with its file hashes (`make lock`); --require-hashes refuses anything else.
# The Rasa environment first takes its pip from the lock (the lines of its pip entry), then the rest with it.
$(RASA_VENV)/.installed: requirements/rasa.txt scripts/find-python.sh
	@python=$$(scripts/find-python.sh rasa) || exit 1; \
	  [ -x $(RASA_VENV)/bin/python ] || "$$python" -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps \
	  -r <(sed -n '/^pip==/,/[^\\]$$/p' requirements/rasa.txt)
	$(RASA_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements/rasa.txt
	@touch $@

# The application environment holds the test tools too (requirements/test.txt), so `make test` runs in it.
$(APP_VENV)/.installed: requirements/app.txt requirements/test.txt scripts/find-python.sh
	@python=$$(scripts/find-python.sh app) || exit 1; \
	  [ -x $(APP_VENV)/bin/python ] || "$$python" -m venv $(APP_VENV)
	$(APP_VENV)/bin/python -m pip install --quiet --require-hashes -r requirements/app.txt -r requirements/test.txt
	@touch $@

# Trains only when an input is newer than the model; Rasa's own fingerprint check backs this up.
$(MODEL): $(TRAINING_INPUTS) $(RASA_VENV)/.installed
	@mkdir -p models
	@echo "Training the assistant (full output in var/logs/train.log)..."
	@mkdir -p $(VAR_DIR)/logs
	@umask 077; $(RASA) train --quiet --fixed-model-name assistant --out models > $(VAR_DIR)/logs/train.log 2>&1 \
	  || { tail -40 $(VAR_DIR)/logs/train.log; echo "Training failed; the full output is in var/logs/train.log."; exit 1; }
	@echo "Trained models/assistant.tar.gz."
	@touch $@

train: $(MODEL)

validate: $(RASA_VENV)/.installed
	$(RASA) data validate --fail-on-warnings

run: venv $(MODEL)
	@$(APP_PY) -m bot.run

shell: venv $(MODEL)
	@$(APP_PY) -m bot.run --shell

test: venv $(MODEL) browser lb
	@mkdir -p var
	@bash scripts/test.sh

# The scale test alone (tests/scale): the same commands as the images, on PostgreSQL and Redis.
test-scale: venv $(MODEL) lb
	@mkdir -p var
	$(APP_PY) -m pytest -q -p no:cacheprovider -s tests/scale

# The scale test's load balancer: Debian's HAProxy, with deploy/haproxy/haproxy.cfg.
lb:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || bash scripts/install-debian.sh "the scale test" haproxy

# Browser tests drive Debian's Chromium through Playwright; nothing is downloaded by Playwright.
browser:
	@command -v chromium >/dev/null 2>&1 || bash scripts/install-debian.sh "the browser tests" chromium fonts-dejavu-core

eval: venv $(MODEL)
	@mkdir -p var
	$(RASA_VENV)/bin/python scripts/eval_nlu.py
	$(APP_PY) scripts/eval_intake.py

bench: venv $(MODEL)
	@mkdir -p var
	$(APP_PY) scripts/bench.py

export: $(APP_VENV)/.installed
	@$(APP_PY) -m bot.export --format $(or $(FORMAT),json)

purge: $(APP_VENV)/.installed
	@$(APP_PY) -m bot.privacy.purge

staff-add: $(APP_VENV)/.installed
	@[ -n "$(USERNAME)" ] || { echo "Usage: make staff-add USERNAME=name [ROLE=staff|admin] (you will be asked for the password)"; exit 2; }
	@$(APP_PY) -m bot.dashboard.cli add-staff --username "$(USERNAME)" --role "$(or $(ROLE),staff)"

# Re-resolves requirements/*.in into the hashed locks, keeping every pin the ranges still allow.
lock:
	bash scripts/lock.sh

clean:
	rm -rf $(RASA_VENV) $(APP_VENV) models results .pytest_cache
