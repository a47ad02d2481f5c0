"""Staff accounts from the command line, password rules, the sign-in limiter, and the start-up
security settings (secret key, Secure cookies)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.dashboard import cli
from bot.dashboard.auth import SignInLimiter, authenticate, password_problem
from bot.dashboard.models import AuditEvent, StaffUser
from bot.dashboard.security import DashboardConfigError, load_security_config
from bot.db.base import engine_for, session_scope
from bot.settings import PROJECT_ROOT, Settings

GOOD_PASSWORD = "copper kettle morning 9"


@pytest.fixture
def db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    yield url
    engine_for(url).dispose()


def run_cli(db_url: str, monkeypatch, *args: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(["--database-url", db_url, *args])


def test_add_staff_reads_the_password_from_stdin_and_stores_only_an_argon2_hash(db_url, monkeypatch, capsys):
    code = run_cli(
        db_url,
        monkeypatch,
        "add-staff",
        "--username",
        "Sam",
        "--role",
        "staff",
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert code == 0 and "Created staff account sam" in capsys.readouterr().out
    with session_scope(db_url) as session:
        user = session.scalar(select(StaffUser))
        assert (user.username, user.role, user.active) == ("sam", "staff", True)
        assert user.password_hash.startswith("$argon2id$") and GOOD_PASSWORD not in user.password_hash
        assert authenticate(session, "SAM", GOOD_PASSWORD) is not None
        assert authenticate(session, "sam", GOOD_PASSWORD + "x") is None
        event = session.scalar(select(AuditEvent))
        assert event.action == "account_change" and event.actor.startswith("cli")


@pytest.mark.parametrize(
    "password,reason",
    [
        ("", "empty"),
        ("short pw 1", "at least 12"),
        ("password1234", "too easy"),
        ("aaaaaaaaaaaaaaaa", "too easy"),
        ("sam-is-my-name-2025", "must not contain the username"),
    ],
)
def test_weak_or_empty_passwords_are_refused_and_nothing_is_created(db_url, monkeypatch, capsys, password, reason):
    code = run_cli(db_url, monkeypatch, "add-staff", "--username", "sam", "--password-stdin", stdin=password + "\n")
    assert code == 2 and reason in capsys.readouterr().err
    with session_scope(db_url) as session:
        assert session.scalar(select(StaffUser)) is None


def test_interactive_prompt_needs_a_terminal(db_url, monkeypatch, capsys):
    code = run_cli(db_url, monkeypatch, "add-staff", "--username", "sam")
    assert code == 2 and "--password-stdin" in capsys.readouterr().err


def test_duplicate_and_bad_usernames_are_refused(db_url, monkeypatch, capsys):
    assert run_cli(db_url, monkeypatch, "add-staff", "--username", "sam", "--password-stdin", stdin=GOOD_PASSWORD) == 0
    assert run_cli(db_url, monkeypatch, "add-staff", "--username", "SAM", "--password-stdin", stdin=GOOD_PASSWORD) == 2
    assert "already exists" in capsys.readouterr().err
    assert (
        run_cli(db_url, monkeypatch, "add-staff", "--username", "<b>x</b>", "--password-stdin", stdin=GOOD_PASSWORD)
        == 2
    )
    assert "letters, digits" in capsys.readouterr().err


def test_list_deactivate_activate_and_set_password(db_url, monkeypatch, capsys):
    run_cli(db_url, monkeypatch, "list-staff")
    assert "No accounts yet" in capsys.readouterr().out
    for name, role in (("ada", "admin"), ("sam", "staff")):
        run_cli(
            db_url,
            monkeypatch,
            "add-staff",
            "--username",
            name,
            "--role",
            role,
            "--password-stdin",
            stdin=GOOD_PASSWORD,
        )
    capsys.readouterr()
    assert run_cli(db_url, monkeypatch, "deactivate", "--username", "sam") == 0
    run_cli(db_url, monkeypatch, "list-staff")
    listing = capsys.readouterr().out
    assert "ada" in listing and "admin" in listing and "inactive" in listing and "never" in listing
    with session_scope(db_url) as session:
        assert authenticate(session, "sam", GOOD_PASSWORD) is None  # inactive accounts cannot sign in
    assert run_cli(db_url, monkeypatch, "activate", "--username", "sam") == 0
    assert (
        run_cli(
            db_url,
            monkeypatch,
            "set-password",
            "--username",
            "sam",
            "--password-stdin",
            stdin="a different long phrase",
        )
        == 0
    )
    with session_scope(db_url) as session:
        assert authenticate(session, "sam", "a different long phrase") is not None
    assert run_cli(db_url, monkeypatch, "deactivate", "--username", "ada") == 2
    assert "last active admin" in capsys.readouterr().err
    assert run_cli(db_url, monkeypatch, "deactivate", "--username", "nobody") == 2


def test_the_documented_command_works_in_a_fresh_process(tmp_path):
    """As `make staff-add` runs it: a new process, a database that does not exist yet."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.db'}", VAR_DIR=str(tmp_path))
    command = [
        sys.executable,
        "-m",
        "bot.dashboard.cli",
        "add-staff",
        "--username",
        "front.desk",
        "--role",
        "admin",
        "--password-stdin",
    ]
    done = subprocess.run(
        command, input=GOOD_PASSWORD + "\n", capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Created admin account front.desk" in done.stdout and GOOD_PASSWORD not in done.stdout + done.stderr


def test_password_rules_accept_a_long_phrase():
    assert password_problem(GOOD_PASSWORD, "sam") is None


def test_limiter_counts_attempts_per_account_and_per_address_in_a_window():
    now = [0.0]
    limiter = SignInLimiter(max_failures=5, window_seconds=900, max_per_address=8, clock=lambda: now[0])
    attempts = [limiter.attempt("Sam", "10.0.0.1") for _ in range(6)]
    assert [a.retry_after for a in attempts[:5]] == [0] * 5 and [a.last for a in attempts[:5]] == [False] * 4 + [True]
    assert 890 <= attempts[5].retry_after <= 900
    assert limiter.attempt("sam", "10.0.0.2").retry_after  # the account is paused from anywhere
    assert limiter.attempt("ada", "10.0.0.1").retry_after == 0
    assert limiter.attempt("bob", "10.0.0.1").retry_after == 0
    assert limiter.attempt("eve", "10.0.0.1").retry_after  # 8 from this address: paused for any account
    now[0] = 901
    assert limiter.attempt("sam", "10.0.0.1").retry_after == 0
    limiter.succeeded("sam", "10.0.0.1")
    assert all(limiter.attempt("sam", "10.0.0.3").retry_after == 0 for _ in range(5))


def _settings(host: str, var_dir, environ: dict) -> Settings:
    return Settings.from_environ({"DASHBOARD_HOST": host, "VAR_DIR": str(var_dir), **environ})


def test_local_development_gets_a_private_persistent_random_key(tmp_path):
    first = load_security_config(_settings("127.0.0.1", tmp_path, {}))
    second = load_security_config(_settings("localhost", tmp_path, {}))
    assert first.secure_cookies  # loopback alone says nothing: a TLS proxy in front listens there too
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 48
    key_file = tmp_path / "dashboard-secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = load_security_config(_settings("127.0.0.1", tmp_path / "elsewhere", {}))
    assert other.secret_key != first.secret_key  # random per installation, never a built-in value


def test_a_dashboard_reachable_from_the_network_needs_a_key_and_gets_secure_cookies(tmp_path):
    with pytest.raises(DashboardConfigError, match="DASHBOARD_SECRET_KEY"):
        load_security_config(_settings("0.0.0.0", tmp_path, {}))
    with pytest.raises(DashboardConfigError, match="at least 32"):
        load_security_config(_settings("0.0.0.0", tmp_path, {"DASHBOARD_SECRET_KEY": "short"}))
    key = "k" * 40
    production = load_security_config(_settings("0.0.0.0", tmp_path, {"DASHBOARD_SECRET_KEY": key}))
    assert production.secure_cookies and production.secret_key == key
    behind_proxy = load_security_config(_settings("127.0.0.1", tmp_path, {"DASHBOARD_SECRET_KEY": key}))
    assert behind_proxy.secure_cookies
    plain = load_security_config(
        _settings("0.0.0.0", tmp_path, {"DASHBOARD_SECRET_KEY": key, "DASHBOARD_PLAIN_HTTP": "1"})
    )
    assert not plain.secure_cookies
    with pytest.raises(DashboardConfigError, match="DASHBOARD_PLAIN_HTTP"):
        load_security_config(_settings("127.0.0.1", tmp_path, {"DASHBOARD_DEV": "1"}))
    assert not list(Path(tmp_path).iterdir())  # no key file written when one is configured


def test_make_run_serves_its_local_dashboard_over_plain_http_unless_configured():
    from bot.run import dashboard_environment

    assert dashboard_environment({})["DASHBOARD_PLAIN_HTTP"] == "1"
    assert "DASHBOARD_PLAIN_HTTP" not in dashboard_environment({"DASHBOARD_SECRET_KEY": "k" * 40})
    assert dashboard_environment({"DASHBOARD_PLAIN_HTTP": "0"})["DASHBOARD_PLAIN_HTTP"] == "0"
