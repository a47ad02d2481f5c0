"""`make run`'s supervisor (bot/run.py): starts every part, says where each listens, answers the
README's curl, and stops everything on Ctrl-C; problems a person must fix get one sentence; every
file it creates is its owner's only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

from bot.clinic import load_clinic
from bot.settings import PROJECT_ROOT, get_settings
from bot.shared_secrets import CHANNEL_HEADER, LOCAL_FILES
from bot.stack import APP_PYTHON, free_port, port_is_free
from tests.support.listening import listening_addresses
from tests.support.tracker_db import make_tracker_db, senders_in

CLINIC = load_clinic(get_settings().clinic_config)


def run_env(tmp_path: Path, **overrides: int | str) -> dict[str, str]:
    env = dict(
        os.environ,
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'intake.db'}",
        TRACKER_STORE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
        LOCK_STORE_TYPE="in_memory",
        REDIS_HOST="localhost",
        REDIS_PORT="6379",
        REDIS_DB="1",
        REDIS_PASSWORD="",
        RASA_TELEMETRY_ENABLED="false",
    )
    for unset in ("TELEGRAM_BOT_TOKEN", "ACTION_ENDPOINT_URL", "BIND_HOST", *LOCAL_FILES):
        env.pop(unset, None)  # local defaults: loopback, secrets generated into var/
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def until_ready(process: subprocess.Popen, timeout: float = 300) -> list[str]:
    """What `make run` printed up to its "Ready." line."""
    printed: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, f"make run exited early: {''.join(printed)}"
        printed.append(line)
        if line.startswith("Ready."):
            return printed
    raise AssertionError(f"make run was not ready after {timeout:.0f}s: {''.join(printed)}")


def kill_if_running(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def test_run_starts_every_part_answers_curl_and_stops_cleanly_on_ctrl_c(tmp_path):
    # A conversation long past the clinic's retention: make run's own purge must delete it.
    make_tracker_db(
        tmp_path / "tracker.db", [("expired-chat", "user", datetime.now(timezone.utc) - timedelta(days=90))]
    )
    ports = {
        "RASA_PORT": free_port(),
        "ACTION_PORT": free_port(),
        "WEB_PORT": free_port(),
        "DASHBOARD_PORT": free_port(),
    }
    process = subprocess.Popen(
        [str(APP_PYTHON), "-m", "bot.run"],
        cwd=PROJECT_ROOT,
        env=run_env(tmp_path, **ports),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Started as a script's background job would start it: with SIGINT ignored. Ctrl-C must
        # still stop everything (this is how the suite runs under some CI shells).
        preexec_fn=_ignore_sigint,
    )
    printed: list[str] = []
    try:
        printed += until_ready(process)
        banner = "".join(printed)
        assert f"http://127.0.0.1:{ports['RASA_PORT']}/webhooks/rest/webhook" in banner
        assert f"http://localhost:{ports['WEB_PORT']}/" in banner
        assert f"http://localhost:{ports['DASHBOARD_PORT']}/" in banner
        assert "Telegram bridge    off (set TELEGRAM_BOT_TOKEN" in banner
        assert "Retention purge    every hour" in banner

        # The README's curl, with the channel secret make run generated into var/.
        rest = f"http://localhost:{ports['RASA_PORT']}/webhooks/rest/webhook"
        secret = {CHANNEL_HEADER: (tmp_path / "rasa-channel.secret").read_text().strip()}
        origin = {"Origin": f"http://localhost:{ports['WEB_PORT']}"}
        answer = httpx.post(rest, json={"sender": "t1", "message": "hi"}, headers={**secret, **origin}, timeout=60)
        assert CLINIC.name in answer.json()[0]["text"]
        assert not any(name.lower().startswith("access-control-") for name in answer.headers), "no CORS on Rasa"
        price = httpx.post(
            rest, json={"sender": "t1", "message": "how much does microneedling cost?"}, headers=secret, timeout=60
        ).json()
        assert CLINIC.prices[1].price in price[0]["text"], "custom action answered through the action server"
        assert httpx.post(rest, json={"sender": "web-t2", "message": "hi"}, timeout=60).status_code == 403
        for part in ("RASA_PORT", "ACTION_PORT"):
            assert listening_addresses(ports[part]) == {"127.0.0.1"}, f"{part} listens on loopback only"
        assert CLINIC.name in httpx.get(f"http://localhost:{ports['WEB_PORT']}/", timeout=10).text
        assert httpx.get(f"http://localhost:{ports['DASHBOARD_PORT']}/healthz", timeout=10).status_code == 200
        tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
        for _ in range(40):  # the first purge runs in the background right after start-up
            if "expired-chat" not in senders_in(tracker):
                break
            time.sleep(0.5)
        assert senders_in(tracker) == {"t1"}, "the expired conversation was purged, the new one kept"

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        kill_if_running(process)
    for port in ports.values():
        assert _freed(port), f"port {port} is still in use after Ctrl-C"
    logged = "".join(path.read_text(errors="replace") for path in (tmp_path / "logs").glob("*.log")) + "".join(printed)
    for filename in LOCAL_FILES.values():
        assert (tmp_path / filename).read_text().strip() not in logged, f"{filename} reached a log"


def test_every_file_make_run_creates_is_readable_by_its_owner_only(tmp_path):
    var = tmp_path / "var"  # not there yet: make run creates it
    ports = {
        "RASA_PORT": free_port(),
        "ACTION_PORT": free_port(),
        "WEB_PORT": free_port(),
        "DASHBOARD_PORT": free_port(),
    }
    env = run_env(
        var,
        DATABASE_URL=f"sqlite:///{var / 'intake.db'}",
        TRACKER_STORE_URL=f"sqlite:///{var / 'rasa_tracker.db'}",
        **ports,
    )
    process = subprocess.Popen(
        [str(APP_PYTHON), "-m", "bot.run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_as_from_a_usual_shell,
    )
    try:
        until_ready(process)
        # A conversation writes the tracker store; the dashboard has made its local session key.
        httpx.post(
            f"http://localhost:{ports['RASA_PORT']}/webhooks/rest/webhook",
            json={"sender": "t1", "message": "hi"},
            timeout=60,
            headers={CHANNEL_HEADER: (var / "rasa-channel.secret").read_text().strip()},
        ).raise_for_status()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        kill_if_running(process)
    files = {path.relative_to(var).as_posix(): path.stat().st_mode & 0o777 for path in var.rglob("*") if path.is_file()}
    folders = {
        path.relative_to(tmp_path).as_posix(): path.stat().st_mode & 0o777
        for path in [var, *var.rglob("*")]
        if path.is_dir()
    }
    assert {
        "intake.db",
        "rasa_tracker.db",
        "dashboard-secret.key",
        "logs/rasa.log",
        "logs/actions.log",
        "logs/web.log",
        "logs/dashboard.log",
        *LOCAL_FILES.values(),
    } <= set(files)
    assert {name: mode for name, mode in files.items() if mode != 0o600} == {}
    assert folders == {"var": 0o700, "var/logs": 0o700}


def _as_from_a_usual_shell() -> None:
    """Started with the umask most shells have (022, files readable by everyone) and SIGINT ignored."""
    os.umask(0o022)
    _ignore_sigint()


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _freed(port: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_is_free(port):
            return True
        time.sleep(0.5)
    return False


def test_a_port_in_use_is_one_clear_sentence(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        result = subprocess.run(
            [str(APP_PYTHON), "-m", "bot.run"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=run_env(tmp_path, RASA_PORT=taken, ACTION_PORT=free_port()),
        )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"Cannot start: Port {taken} for the Rasa server is already in use")
    assert "Traceback" not in result.stderr + result.stdout


def test_make_shell_beside_a_running_action_server_says_which_port_to_use_instead(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        taken = busy.getsockname()[1]
        result = subprocess.run(
            [str(APP_PYTHON), "-m", "bot.run", "--shell"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=run_env(tmp_path, ACTION_PORT=taken),
            stdin=subprocess.DEVNULL,
        )
    assert result.returncode == 2
    assert f"ACTION_PORT={taken + 1} make shell" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_mistake_in_the_clinic_file_is_named_at_start_up(tmp_path):
    broken = tmp_path / "clinic.yml"
    broken.write_text(
        (PROJECT_ROOT / "clinic" / "clinic.yml").read_text().replace('phone: "+44 20 7946 0321"', "phone: 123")
    )
    env = run_env(tmp_path, CLINIC_CONFIG=broken)
    result = subprocess.run(
        [str(APP_PYTHON), "-m", "bot.run"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 2
    assert "clinic config: 'phone'" in result.stderr and "Traceback" not in result.stderr


def test_missing_python_310_is_one_clear_sentence():
    result = subprocess.run(
        ["/bin/bash", str(PROJECT_ROOT / "scripts" / "find-python.sh"), "rasa"],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent", "PYENV_ROOT": "/nonexistent", "HOME": "/nonexistent"},
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Python 3.10 was not found") and result.stderr.count("\n") == 1
