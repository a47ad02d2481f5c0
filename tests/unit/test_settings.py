"""bot/settings.py: every setting read in one place, with one clear sentence per wrong variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_are_the_safe_local_ones_under_var():
    settings = Settings.from_environ({"VAR_DIR": "/srv/clinic"})
    assert settings.database_url == "sqlite:////srv/clinic/intake.db"
    assert settings.tracker_store_url == "sqlite:////srv/clinic/rasa_tracker.db"
    assert settings.bind_host == settings.web_host == settings.dashboard_host == "127.0.0.1"
    assert settings.lock_store_type == "in_memory" and settings.state_redis_url == ""
    assert settings.clinic_config == PROJECT_ROOT / "clinic" / "clinic.yml"


def test_an_empty_or_blank_variable_means_the_default_and_values_are_trimmed():
    settings = Settings.from_environ({"WEB_PORT": "  ", "RASA_URL": " http://rasa:5005 ", "SITE_ORIGINS": "a, b,"})
    assert settings.web_port == 8000 and settings.rasa_url == "http://rasa:5005"
    assert settings.site_origins == ["a", "b"]


def test_from_environ_ignores_this_process_environment(monkeypatch):
    monkeypatch.setenv("WEB_PORT", "9999")
    assert Settings.from_environ({}).web_port == 8000
    assert Settings().web_port == 9999


def test_each_wrong_variable_is_named_with_why():
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ(
            {"WEB_PORT": "eighty", "REDIS_DB": "-1", "DASHBOARD_PLAIN_HTTP": "maybe", "DASHBOARD_TIMEZONE": "Mars/Base"}
        )
    lines = str(raised.value).splitlines()
    assert sorted(lines) == [
        "DASHBOARD_PLAIN_HTTP must be 1 (on) or 0 (off) (got 'maybe').",
        "DASHBOARD_TIMEZONE is not a known time zone (e.g. Europe/London) (got 'Mars/Base').",
        "REDIS_DB is too small (got '-1').",
        "WEB_PORT must be a port number (1 to 65535) (got 'eighty').",
    ]


def test_a_wrong_secret_is_named_but_never_repeated():
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({"REDIS_PORT": "0", "REDIS_PASSWORD": "hunter2"})
    assert "REDIS_PORT" in str(raised.value) and "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(Settings.from_environ({"REDIS_PASSWORD": "hunter2"}))


def test_tests_may_pass_settings_by_field_name():
    settings = Settings(rasa_url="http://127.0.0.1:1", site_origins=["http://site"], chat_per_client_per_minute=2)
    assert settings.site_origins == ["http://site"] and settings.chat_per_client_per_minute == 2


@pytest.mark.parametrize("module", ["bot.web", "bot.dashboard", "bot.action_server", "bot.privacy.purge"])
def test_a_part_started_with_a_wrong_setting_says_which_and_exits_2(module, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "DASHBOARD_PORT": "x", "WEB_PORT": "x", "RASA_PORT": "x"}
    result = subprocess.run(
        [sys.executable, "-m", module], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "is not started: " in result.stderr and "must be a port number" in result.stderr
    assert "Traceback" not in result.stderr
