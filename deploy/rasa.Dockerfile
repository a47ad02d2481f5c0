# syntax=docker/dockerfile:1
# The Rasa image: Rasa 3.6.21 in /app/.venv-rasa (Python 3.10), our bot/ package (the tracker store,
# the REST channel, the NLU components and the log rules all run inside Rasa's process), and the
# model, trained while the image is built. Build it from the repository's root:
#
#   docker build -f deploy/rasa.Dockerfile -t clinic-assistant-rasa .
#   docker build -f deploy/rasa.Dockerfile --target runtime -t clinic-assistant-rasa .   # no model:
#       mount one at /app/models/assistant.tar.gz (read-only)
#
# Its command is bot.stack.rasa_command(5005) with the project at /app and BIND_HOST=0.0.0.0
# (tests/unit/test_deploy_files.py checks that compose.yaml and deploy/k8s say the same). Never
# `--enable-api` or `--cors`. No secret is in the image: every one comes from the environment.

ARG PYTHON_IMAGE=python:3.10-slim-bookworm

# --- .venv-rasa, installed as the Makefile installs it ------------------------------------------
FROM ${PYTHON_IMAGE} AS venv
# bash for the Makefile's own `<(sed ...)`: the lock's pip first, then everything with it.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements/rasa.txt requirements/rasa.txt
# hadolint ignore=SC3001
RUN python -m venv .venv-rasa \
 && .venv-rasa/bin/python -m pip install --quiet --require-hashes --no-deps \
      -r <(sed -n '/^pip==/,/[^\\]$/p' requirements/rasa.txt) \
 && .venv-rasa/bin/python -m pip install --quiet --require-hashes -r requirements/rasa.txt

# --- the model: `make train`'s command, on the same inputs --------------------------------------
FROM venv AS model
ENV RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3
COPY config.yml domain.yml ./
COPY data data
COPY bot bot
RUN .venv-rasa/bin/rasa train --quiet --fixed-model-name assistant --out models

# --- what runs: the venv and our files, owned by root, read by a user without rights -------------
FROM ${PYTHON_IMAGE} AS runtime
# What bot.stack.rasa_environment adds for Rasa; HOME and VAR_DIR on the writable /tmp (the root
# file system is read-only in compose.yaml and deploy/k8s).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3 \
    HOME=/tmp VAR_DIR=/tmp/var MPLCONFIGDIR=/tmp/matplotlib \
    HEALTHCHECK_URL=http://127.0.0.1:5005/webhooks/rest/healthz
RUN groupadd --system --gid 10001 assistant \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin assistant
WORKDIR /app
COPY --from=venv /app/.venv-rasa /app/.venv-rasa
COPY bot bot
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY deploy/healthcheck.py deploy/healthcheck.py
USER 10001:10001
EXPOSE 5005
# Readiness (tracker store and lock store reachable); Rasa needs a minute or two to load.
HEALTHCHECK --interval=15s --timeout=5s --start-period=180s --retries=3 \
  CMD ["/app/.venv-rasa/bin/python", "/app/deploy/healthcheck.py"]
CMD ["/app/.venv-rasa/bin/python", "-m", "bot.rasa_process", "run", "--logging-config-file", "/app/bot/rasa_logging.yml", "--model", "/app/models/assistant.tar.gz", "--endpoints", "/app/endpoints.yml", "--credentials", "/app/credentials.yml", "--interface", "0.0.0.0", "--port", "5005"]

# --- the default target: with the trained model ------------------------------------------------
FROM runtime
COPY --from=model /app/models/assistant.tar.gz /app/models/assistant.tar.gz
