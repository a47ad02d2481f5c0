"""The shared secrets (bot/shared_secrets.py): from the environment, else made once into var/."""

from __future__ import annotations

from bot.action_server import inflates_beyond
from bot.settings import Settings
from bot.shared_secrets import LOCAL_FILES, local_secrets, matches


def test_matching_is_exact_and_an_empty_expected_secret_matches_nothing():
    assert matches("s3cret", "s3cret")
    assert not matches("s3cre", "s3cret") and not matches(None, "s3cret") and not matches("", "")
    assert not matches("é", "e")  # any header text is compared, never raises


def test_local_secrets_are_made_once_owner_only_and_the_environment_wins(tmp_path):
    local = Settings.from_environ({"VAR_DIR": str(tmp_path)})
    first = local_secrets(local)
    assert set(first) == set(LOCAL_FILES) and len(set(first.values())) == 2
    assert all(len(value) >= 40 for value in first.values())
    assert local_secrets(local) == first, "a restart keeps them"
    for filename in LOCAL_FILES.values():
        assert (tmp_path / filename).stat().st_mode & 0o777 == 0o600
    configured = Settings.from_environ({"VAR_DIR": str(tmp_path), "ACTION_SERVER_SECRET": "from-the-secret-store"})
    assert local_secrets(configured)["ACTION_SERVER_SECRET"] == "from-the-secret-store"


def test_settings_never_show_the_secrets(monkeypatch):
    monkeypatch.setenv("RASA_CHANNEL_SECRET", "channel-value")
    monkeypatch.setenv("ACTION_SERVER_SECRET", "action-value")
    settings = Settings()
    assert settings.rasa_channel_secret == "channel-value"
    assert "channel-value" not in repr(settings) and "action-value" not in repr(settings)
    assert settings.bind_host == "127.0.0.1"


def test_inflating_stops_at_the_limit():
    import zlib

    assert inflates_beyond(zlib.compress(b"x" * 1000), 1000) is False
    assert inflates_beyond(zlib.compress(b"x" * 1001), 1000) is True
    assert inflates_beyond(b"not deflate", 1000) is None
