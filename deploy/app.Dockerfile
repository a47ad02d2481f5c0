# syntax=docker/dockerfile:1
# The application image: /app/.venv-app (Python 3.11) with bot/, actions/, the clinic's files and the
# migrations. One image, one command per part (each is what bot/stack.py builds, with the project at
# /app; tests/unit/test_deploy_files.py checks compose.yaml and deploy/k8s against it):
#
#   action server     /app/.venv-app/bin/python -m bot.action_server --actions actions --port 5055 --host 0.0.0.0
#   widget relay      /app/.venv-app/bin/python -m bot.web
#   staff dashboard   /app/.venv-app/bin/python -m bot.dashboard
#   Telegram bridge   /app/.venv-app/bin/python -m bot.telegram
#   retention purge   /app/.venv-app/bin/python -m bot.privacy.purge [--every 3600]
#   migration         /app/.venv-app/bin/python -m bot.db.migrate   (once, before the others)
#
# Build it from the repository's root: docker build -f deploy/app.Dockerfile -t clinic-assistant-app .
# No secret is in the image: every one comes from the environment.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- .venv-app, installed as the Makefile installs it (without the test tools) -------------------
FROM ${PYTHON_IMAGE} AS venv
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements/app.txt requirements/app.txt
RUN python -m venv .venv-app \
 && .venv-app/bin/python -m pip install --quiet --require-hashes -r requirements/app.txt

# --- what runs: the venv and our files, owned by root, read by a user without rights -------------
FROM ${PYTHON_IMAGE}
# HOME and VAR_DIR on the writable /tmp: the root file system is read-only in compose.yaml and
# deploy/k8s, and with every key set in the environment nothing is written to VAR_DIR anyway.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    HOME=/tmp VAR_DIR=/tmp/var \
    HEALTHCHECK_URL=http://127.0.0.1:5055/healthz
RUN groupadd --system --gid 10001 assistant \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin assistant
WORKDIR /app
COPY --from=venv /app/.venv-app /app/.venv-app
COPY bot bot
COPY actions actions
COPY clinic clinic
COPY migrations migrations
# domain.yml: the action server and our bridges read its responses; endpoints.yml: rasa-sdk reads
# its tracing section (without the file the action server logs an error at start).
COPY domain.yml endpoints.yml ./
COPY deploy/healthcheck.py deploy/healthcheck.py
# Compiled now: on a read-only file system Python could not cache them.
RUN .venv-app/bin/python -m compileall -q bot actions migrations
USER 10001:10001
EXPOSE 5055 8000 8001 8443
# The action server's readiness by default; compose.yaml gives each other part its own URL.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["/app/.venv-app/bin/python", "/app/deploy/healthcheck.py"]
CMD ["/app/.venv-app/bin/python", "-m", "bot.action_server", "--actions", "actions", "--port", "5055", "--host", "0.0.0.0"]
