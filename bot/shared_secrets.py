"""The secrets by which only the assistant's own parts reach its insides.

- RASA_CHANNEL_SECRET: the widget relay (bot/web) and the Telegram bridge (bot/telegram) send it,
  through bot/rasa_client.py, in CHANNEL_HEADER; Rasa's REST channel (bot/rasa_channel.py) refuses
  a message without it. Otherwise anyone who reaches Rasa could speak as any `web-`/`telegram-`
  conversation: cancel a patient's intake, or read the answers meant for them.
- ACTION_SERVER_SECRET: Rasa sends it to the action server in ACTION_HEADER (endpoints.yml);
  bot/action_server.py refuses any other call. Otherwise anyone who reaches the action server
  could run `action_finish_intake` with made-up slots and store a request.

Production sets both from its secret store. Locally `make run` generates each once into var/
(`local_secrets`) and passes them to every part it starts; tests make new ones per stack.

Standard library only: Rasa's Python 3.10 process imports it too.
"""

from __future__ import annotations

import hmac
import secrets

from bot.private_files import create_once

CHANNEL_HEADER = "X-Channel-Secret"
ACTION_HEADER = "X-Action-Server-Secret"  # also written in endpoints.yml (Rasa reads no Python of ours there)
# Environment variable -> the file under var/ that holds it when the environment does not.
LOCAL_FILES = {"RASA_CHANNEL_SECRET": "rasa-channel.secret", "ACTION_SERVER_SECRET": "action-server.secret"}


def matches(given: str | None, expected: str) -> bool:
    """Constant time, so how long a refusal takes says nothing about how much of a guess was right.
    An empty expected secret matches nothing: a missing setting must not open the door."""
    if not expected:
        return False
    return hmac.compare_digest((given or "").encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_secrets() -> dict[str, str]:
    """Fresh values for every shared secret, as environment variables (tests, benchmarks)."""
    return {name: new_secret() for name in LOCAL_FILES}


def local_secrets(settings) -> dict[str, str]:
    """Every shared secret as an environment variable: the configured value (bot/settings.py),
    else its file in var/, made once (0600) so the README's curl and a restarted part keep working."""
    configured = {
        "RASA_CHANNEL_SECRET": settings.rasa_channel_secret,
        "ACTION_SERVER_SECRET": settings.action_server_secret,
    }
    return {
        name: configured[name]
        or create_once(settings.var_dir / filename, lambda: new_secret().encode("ascii")).decode("ascii")
        for name, filename in LOCAL_FILES.items()
    }
