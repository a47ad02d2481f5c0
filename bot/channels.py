"""Which channel a conversation came through, encoded in its Rasa sender id.

Rasa's REST channel carries no metadata, so our bridges prefix the sender id: the Telegram
bridge sends `telegram-<chat id>`, the website widget `web-<session id>`. Anything else
(curl, `rasa shell`) keeps the input channel Rasa recorded.
"""

from __future__ import annotations

TELEGRAM = "telegram"
WEB = "web"
_PREFIXED = (TELEGRAM, WEB)
# How staff read a channel name (anything else, e.g. "rest" from curl, is shown as it is).
CHANNEL_LABELS = {TELEGRAM: "Telegram", WEB: "Website chat", "rest": "Direct (REST)", "cmdline": "Terminal"}


def sender_id_for(channel: str, external_id: str | int) -> str:
    if channel not in _PREFIXED:
        raise ValueError(f"unknown channel {channel!r}")
    return f"{channel}-{external_id}"


def channel_of(sender_id: str, input_channel: str | None = None) -> str:
    for channel in _PREFIXED:
        if sender_id.startswith(f"{channel}-"):
            return channel
    return input_channel or "rest"


def conversation_ref(sender_id: str, secret: str) -> str:
    """A short stand-in for a sender id, keyed with the channel secret so that a chat id cannot be
    recovered from it by trying them all: the load balancer hashes on it (X-Conversation-Ref) to
    keep a conversation on one Rasa replica, and every part's logs name the conversation by it."""
    import hashlib
    import hmac

    return hmac.new(secret.encode(), sender_id.encode(), hashlib.sha256).hexdigest()[:16]
