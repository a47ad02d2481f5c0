"""`make run`: checks the configuration, then starts every part of the assistant and stops them
all together on Ctrl-C. `make shell` (--shell) starts the action server and chats in the terminal.

Each part's output goes to var/logs/<part>.log; this process prints only where things listen.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from bot.clinic import ClinicConfigError, load_clinic
from bot.db.migrate import upgrade_to_head
from bot.privacy.purge import purge_every
from bot.private_files import private_dir, restrict_new_files
from bot.screening.rules import ScreeningRulesError, load_rules
from bot.settings import VAR_DIR, get_settings
from bot.shared_secrets import local_secrets
from bot.stack import (
    Service,
    action_server_command,
    app_command,
    local_address,
    port_is_free,
    rasa_cli,
    rasa_command,
    rasa_environment,
    stop_all,
)

RASA_PORT = int(os.environ.get("RASA_PORT", "5005"))
ACTION_PORT = int(os.environ.get("ACTION_PORT", "5055"))
LOG_DIR = VAR_DIR / "logs"
HOST = local_address(get_settings().bind_host)  # where Rasa and the action server answer us
PURGE_INTERVAL_SECONDS = 3600


class StartupProblem(Exception):
    """Something a person must fix before the assistant can start; the message says what."""


def check_configuration() -> None:
    settings = get_settings()
    try:
        load_clinic(settings.clinic_config)
    except ClinicConfigError as error:
        raise StartupProblem(str(error)) from error
    try:
        load_rules(settings.screening_rules)
    except ScreeningRulesError as error:
        raise StartupProblem(str(error)) from error


def migrate_database() -> None:
    try:
        upgrade_to_head(get_settings().database_url)
    except Exception as error:  # a wrong DATABASE_URL is the usual cause; say so plainly
        raise StartupProblem(
            f"The intake database could not be prepared ({type(error).__name__}); check DATABASE_URL."
        ) from error


def check_ports(ports: dict[str, int]) -> None:
    for name, port in ports.items():
        if not port_is_free(port, HOST):
            raise StartupProblem(
                f"Port {port} for the {name} is already in use: stop whatever uses it (another `make run`?) "
                "or choose another port with the environment variable named in the README."
            )


def dashboard_environment(app_env: dict) -> dict:
    """`make run` serves the dashboard on http://localhost: unless the clinic configured it (a key
    of its own, or DASHBOARD_PLAIN_HTTP either way), its cookies go without Secure so signing in
    works on plain http. A deployment behind HTTPS sets DASHBOARD_SECRET_KEY."""
    env = dict(app_env)
    if "DASHBOARD_PLAIN_HTTP" not in env and not env.get("DASHBOARD_SECRET_KEY", "").strip():
        env["DASHBOARD_PLAIN_HTTP"] = "1"
    return env


def planned_services() -> list[tuple[Service, str]]:
    """Each service with the line printed once it is ready."""
    settings = get_settings()
    private_dir(LOG_DIR)
    secrets = local_secrets(
        VAR_DIR
    )  # to every part: Rasa and the action server check them, the relay and bridge send one
    rasa_env = rasa_environment(ACTION_PORT, settings.tracker_store_url, secrets)
    rasa_env["ACTION_ENDPOINT_URL"] = os.environ.get("ACTION_ENDPOINT_URL", f"http://{HOST}:{ACTION_PORT}/webhook")
    app_env = dict(os.environ, RASA_URL=f"http://{HOST}:{RASA_PORT}", **secrets)
    services = [
        (
            Service(
                "action server",
                action_server_command(ACTION_PORT),
                f"http://{HOST}:{ACTION_PORT}/health",
                env=app_env,
                log_path=LOG_DIR / "actions.log",
            ),
            f"Action server      http://{HOST}:{ACTION_PORT}/webhook  (Rasa only: ACTION_SERVER_SECRET)",
        ),
        (
            Service(
                "Rasa server",
                rasa_command(RASA_PORT),
                f"http://{HOST}:{RASA_PORT}/",
                env=rasa_env,
                log_path=LOG_DIR / "rasa.log",
            ),
            f"Rasa REST channel  http://{HOST}:{RASA_PORT}/webhooks/rest/webhook  (header X-Channel-Secret: see README)",
        ),
        (
            Service(
                "website widget",
                app_command("bot.web"),
                f"http://127.0.0.1:{settings.web_port}/healthz",
                env=app_env,
                log_path=LOG_DIR / "web.log",
            ),
            f"Website + widget   http://localhost:{settings.web_port}/",
        ),
        (
            Service(
                "staff dashboard",
                app_command("bot.dashboard"),
                f"http://127.0.0.1:{settings.dashboard_port}/healthz",
                env=dashboard_environment(app_env),
                log_path=LOG_DIR / "dashboard.log",
            ),
            f"Staff dashboard    http://localhost:{settings.dashboard_port}/  (accounts: make staff-add)",
        ),
    ]
    if os.environ.get("TELEGRAM_BOT_TOKEN"):
        services.append(
            (
                Service(
                    "Telegram bridge", app_command("bot.telegram"), "", env=app_env, log_path=LOG_DIR / "telegram.log"
                ),
                "Telegram bridge    running"
                + (" (webhook)" if os.environ.get("TELEGRAM_WEBHOOK_URL") else " (long polling)"),
            )
        )
    return services


def ports_to_check() -> dict[str, int]:
    settings = get_settings()
    return {
        "action server": ACTION_PORT,
        "Rasa server": RASA_PORT,
        "website widget": settings.web_port,
        "staff dashboard": settings.dashboard_port,
    }


def wait_for(service: Service, timeout: float) -> None:
    if service.ready_url:
        service.wait_ready(timeout)
    else:  # no health endpoint (the Telegram bridge): alive after a few seconds is ready
        time.sleep(3)
        if not service.running():
            raise RuntimeError(f"{service.name} exited with code {service.process.returncode} while starting")


def _stop_on_signal(_signum, _frame) -> None:
    raise KeyboardInterrupt  # the same clean shutdown as Ctrl-C (children would outlive us otherwise)


def run() -> int:
    services = planned_services()
    check_ports(ports_to_check())
    started: list[Service] = []
    stop_purging = None

    print("Starting the assistant (logs in var/logs/)...", flush=True)
    try:
        for service, _line in services:
            service.start()
            started.append(service)
        for service, line in services:
            wait_for(service, timeout=300 if service.name == "Rasa server" else 60)
            print(f"  {line}", flush=True)
        if not os.environ.get("TELEGRAM_BOT_TOKEN"):
            print("  Telegram bridge    off (set TELEGRAM_BOT_TOKEN to turn it on)", flush=True)
        stop_purging = purge_every(PURGE_INTERVAL_SECONDS, get_settings())
        print("  Retention purge    every hour (clinic/clinic.yml retention; make purge runs it now)", flush=True)
        print("Ready. Press Ctrl-C to stop everything.", flush=True)
        while all(service.running() for service in started):
            time.sleep(1)
        stopped = next(service for service in started if not service.running())
        print(f"The {stopped.name} stopped unexpectedly (see var/logs/); stopping the rest.", file=sys.stderr)
        return 1
    except (TimeoutError, RuntimeError) as error:
        print(f"Could not start: {error}. See var/logs/ for details.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...", flush=True)
        return 0
    finally:
        if stop_purging is not None:
            stop_purging.set()
        stop_all(started)


def shell() -> int:
    if not port_is_free(ACTION_PORT):
        # Usually `make run` in another terminal: the shell needs an action server of its own.
        raise StartupProblem(
            f"`make shell` starts its own action server on port {ACTION_PORT}, which is in use (is `make run` "
            f"running?). Stop it, or give the shell another port: ACTION_PORT={ACTION_PORT + 1} make shell"
        )
    private_dir(LOG_DIR)
    secrets = local_secrets(VAR_DIR)
    actions = Service(
        "action server",
        action_server_command(ACTION_PORT),
        f"http://{HOST}:{ACTION_PORT}/health",
        env=dict(os.environ, **secrets),
        log_path=LOG_DIR / "actions.log",
    )
    actions.start()
    try:
        actions.wait_ready(60)
        command = [*rasa_cli("shell"), "--model", "models/assistant.tar.gz", "--endpoints", "endpoints.yml"]
        return subprocess.call(command, env=rasa_environment(ACTION_PORT, get_settings().tracker_store_url, secrets))
    except KeyboardInterrupt:
        return 0
    finally:
        actions.stop()


def main() -> int:
    restrict_new_files()  # first: Rasa, the action server, web and dashboard inherit it
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="chat in the terminal instead of serving")
    args = parser.parse_args()
    # Ctrl-C explicitly: a shell script that starts us in the background leaves SIGINT ignored,
    # and Python then installs no KeyboardInterrupt handler of its own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for stop_signal in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or a service manager
        signal.signal(stop_signal, _stop_on_signal)
    try:
        private_dir(VAR_DIR)  # before the first database is created in it
        check_configuration()
        migrate_database()
        return shell() if args.shell else run()
    except StartupProblem as problem:
        print(f"Cannot start: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
