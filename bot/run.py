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
from pathlib import Path

from bot.clinic import ClinicConfigError, load_clinic
from bot.db.migrate import upgrade_to_head
from bot.privacy.purge import purge_every
from bot.private_files import private_dir, restrict_new_files
from bot.screening.rules import ScreeningRulesError, load_rules
from bot.settings import Settings, SettingsError, get_settings
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

PURGE_INTERVAL_SECONDS = 3600


def _where(settings: Settings) -> tuple[str, int, int, Path]:
    """Where Rasa and the action server answer us, their ports, and the logs folder (made private)."""
    return (
        local_address(settings.bind_host),
        settings.rasa_port,
        settings.action_port,
        private_dir(settings.var_dir / "logs"),
    )


class StartupProblem(Exception):
    """Something a person must fix before the assistant can start; the message says what."""


def check_configuration(settings: Settings) -> None:
    try:
        load_clinic(settings.clinic_config)
    except ClinicConfigError as error:
        raise StartupProblem(str(error)) from error
    try:
        load_rules(settings.screening_rules)
    except ScreeningRulesError as error:
        raise StartupProblem(str(error)) from error


def migrate_database(settings: Settings) -> None:
    try:
        upgrade_to_head(settings.database_url)
    except Exception as error:  # a wrong DATABASE_URL is the usual cause; say so plainly
        raise StartupProblem(
            f"The intake database could not be prepared ({type(error).__name__}); check DATABASE_URL."
        ) from error


def check_ports(ports: dict[str, int], host: str) -> None:
    for name, port in ports.items():
        if not port_is_free(port, host):
            raise StartupProblem(
                f"Port {port} for the {name} is already in use: stop whatever uses it (another `make run`?) "
                "or choose another port with the environment variable named in the README."
            )


def dashboard_environment(app_env: dict) -> dict:
    """`make run` serves the dashboard on http://localhost: unless the clinic configured it (a key
    of its own, or DASHBOARD_PLAIN_HTTP either way), its cookies go without Secure so signing in
    works on plain http. A deployment behind HTTPS sets DASHBOARD_SECRET_KEY."""
    env = dict(app_env)
    if "DASHBOARD_PLAIN_HTTP" not in env and not Settings.from_environ(env).dashboard_secret_key:
        env["DASHBOARD_PLAIN_HTTP"] = "1"
    return env


def planned_services(settings: Settings) -> list[tuple[Service, str]]:
    """Each service with the line printed once it is ready."""
    host, rasa_port, action_port, log_dir = _where(settings)
    # To every part: Rasa and the action server check them, the relay and the bridge send one.
    secrets = local_secrets(settings)
    rasa_env = rasa_environment(action_port, settings.tracker_store_url, secrets)
    if settings.action_endpoint_url:  # an action server elsewhere
        rasa_env["ACTION_ENDPOINT_URL"] = settings.action_endpoint_url
    app_env = dict(os.environ, RASA_URL=f"http://{host}:{rasa_port}", **secrets)
    services = [
        (
            Service(
                "action server",
                action_server_command(action_port),
                f"http://{host}:{action_port}/health",
                env=app_env,
                log_path=log_dir / "actions.log",
            ),
            f"Action server      http://{host}:{action_port}/webhook  (Rasa only: ACTION_SERVER_SECRET)",
        ),
        (
            Service(
                "Rasa server",
                rasa_command(rasa_port),
                f"http://{host}:{rasa_port}/",
                env=rasa_env,
                log_path=log_dir / "rasa.log",
            ),
            f"Rasa REST channel  http://{host}:{rasa_port}/webhooks/rest/webhook  (header X-Channel-Secret: see README)",
        ),
        (
            Service(
                "website widget",
                app_command("bot.web"),
                f"http://127.0.0.1:{settings.web_port}/healthz",
                env=app_env,
                log_path=log_dir / "web.log",
            ),
            f"Website + widget   http://localhost:{settings.web_port}/",
        ),
        (
            Service(
                "staff dashboard",
                app_command("bot.dashboard"),
                f"http://127.0.0.1:{settings.dashboard_port}/healthz",
                env=dashboard_environment(app_env),
                log_path=log_dir / "dashboard.log",
            ),
            f"Staff dashboard    http://localhost:{settings.dashboard_port}/  (accounts: make staff-add)",
        ),
    ]
    if settings.telegram_bot_token:
        services.append(
            (
                Service(
                    "Telegram bridge", app_command("bot.telegram"), "", env=app_env, log_path=log_dir / "telegram.log"
                ),
                "Telegram bridge    running" + (" (webhook)" if settings.telegram_webhook_url else " (long polling)"),
            )
        )
    return services


def ports_to_check(settings: Settings) -> dict[str, int]:
    return {
        "action server": settings.action_port,
        "Rasa server": settings.rasa_port,
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


def run(settings: Settings) -> int:
    services = planned_services(settings)
    check_ports(ports_to_check(settings), _where(settings)[0])
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
        if not settings.telegram_bot_token:
            print("  Telegram bridge    off (set TELEGRAM_BOT_TOKEN to turn it on)", flush=True)
        stop_purging = purge_every(PURGE_INTERVAL_SECONDS, settings)
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


def shell(settings: Settings) -> int:
    host, _rasa_port, action_port, log_dir = _where(settings)
    if not port_is_free(action_port):
        # Usually `make run` in another terminal: the shell needs an action server of its own.
        raise StartupProblem(
            f"`make shell` starts its own action server on port {action_port}, which is in use (is `make run` "
            f"running?). Stop it, or give the shell another port: ACTION_PORT={action_port + 1} make shell"
        )
    secrets = local_secrets(settings)
    actions = Service(
        "action server",
        action_server_command(action_port),
        f"http://{host}:{action_port}/health",
        env=dict(os.environ, **secrets),
        log_path=log_dir / "actions.log",
    )
    actions.start()
    try:
        actions.wait_ready(60)
        command = [*rasa_cli("shell"), "--model", "models/assistant.tar.gz", "--endpoints", "endpoints.yml"]
        return subprocess.call(command, env=rasa_environment(action_port, settings.tracker_store_url, secrets))
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
        settings = get_settings()
        private_dir(settings.var_dir)  # before the first database is created in it
        check_configuration(settings)
        migrate_database(settings)
        return shell(settings) if args.shell else run(settings)
    except (StartupProblem, SettingsError) as problem:
        print(f"Cannot start: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
