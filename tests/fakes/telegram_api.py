"""A small stand-in for Telegram's Bot API, served on 127.0.0.1 for tests.

It implements the methods the bridge uses (getMe, getUpdates as a short long-poll, sendMessage,
sendChatAction, answerCallbackQuery, editMessageReplyMarkup, and the webhook methods), records
every call, and checks what Telegram itself would refuse: HTML that does not parse, text over
4096 characters, callback data over 64 bytes, an unmodified keyboard edit. Tests hand it updates
(`push`; `press` for a tap on a button by its title) and read what the bot sent (`sent_messages`,
`wait_until`); `fail_next` makes one call fail as Telegram would (a 429 with retry_after, a 502).
In webhook mode it posts updates to the URL the bot registered, with the secret it registered.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.loopback import Served

TOKEN = "123456789:STAND-IN-TOKEN"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Clinic Assistant", "username": "clinic_test_bot"}
MAX_POLL_WAIT = 0.5  # seconds; short so a bot under test stops quickly
_JSON_FIELDS = {"reply_markup", "allowed_updates"}
_INT_FIELDS = {"message_id", "offset", "limit", "timeout"}
_HTML_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_TAG = re.compile(r'<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>')
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
USE_REGISTERED_SECRET = object()


class BadRequest(Exception):
    """What Telegram answers with HTTP 400 and a description."""


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_text_of_html(text: str) -> str:
    """Checks Telegram-style HTML and returns the text a user sees; BadRequest when it would not parse."""
    stack: list[str] = []
    visible: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            match = _TAG.match(text, position)
            if not match or match.group(2) not in _HTML_TAGS:
                raise BadRequest(f"Bad Request: can't parse entities: unsupported start tag at byte offset {position}")
            closing, name = match.group(1), match.group(2)
            if closing:
                if not stack or stack.pop() != name:
                    raise BadRequest(f"Bad Request: can't parse entities: unmatched end tag {name}")
            else:
                stack.append(name)
            position = match.end()
        elif char == "&":
            match = _ENTITY.match(text, position)
            if not match:
                raise BadRequest(f"Bad Request: can't parse entities: unsupported entity at byte offset {position}")
            visible.append(unescape(match.group(0)))
            position = match.end()
        elif char == ">":
            raise BadRequest("Bad Request: can't parse entities: character '>' is reserved")
        else:
            visible.append(char)
            position += 1
    if stack:
        raise BadRequest(
            f"Bad Request: can't parse entities: can't find end tag corresponding to start tag {stack[-1]}"
        )
    return "".join(visible)


@dataclass
class ApiCall:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class TelegramApiStandIn(Served):
    _thread_name = "telegram-stand-in"

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.calls: list[ApiCall] = []
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self._updates: list[dict[str, Any]] = []
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._keyboards_sent: dict[tuple[int, int], dict[str, Any]] = {}  # as sent, even once removed
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._faults: list[tuple[str, int, dict[str, Any]]] = []
        # The language_code Telegram gives for the user of a chat (what their app is set to); none
        # when not set here, as Telegram sometimes sends none.
        self.user_languages: dict[int, str] = {}

    # -- serving ----------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def _serve(self) -> None:
                status, body = stand_in._handle(self.path, self.headers.get("Content-Type", ""), self._body())
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot gave up on a long poll while shutting down

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    @property
    def base_url(self) -> str:
        """What to pass as TELEGRAM_BASE_URL: python-telegram-bot appends the token and `/method`."""
        assert self._server is not None, "start the stand-in first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def _handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        url = urlsplit(path)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if match.group(1) != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = match.group(2)
        params = self._params(url.query, content_type, body)
        with self._changed:
            self.calls.append(ApiCall(method, params))
            self._changed.notify_all()
        with self._changed:
            fault = next((f for f in self._faults if f[0] == method), None)
            if fault is not None:
                self._faults.remove(fault)
                return fault[1], fault[2]
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except BadRequest as error:
            return 400, {"ok": False, "error_code": 400, "description": str(error)}
        except Exception as error:  # a bug in the stand-in: say so instead of dropping the connection
            return 500, {"ok": False, "error_code": 500, "description": f"stand-in error: {error!r}"}

    @staticmethod
    def _params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
        # python-telegram-bot posts form fields: strings as they are, everything else JSON-encoded.
        if "application/json" in content_type:
            raw = json.loads(body or b"{}")
        else:
            raw = dict(parse_qsl(query)) | dict(parse_qsl(body.decode()))
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and key in _JSON_FIELDS:
                value = json.loads(value)
            elif isinstance(value, str) and (key in _INT_FIELDS or key == "chat_id") and re.fullmatch(r"-?\d+", value):
                value = int(value)
            params[key] = value
        return params

    # -- Bot API methods --------------------------------------------------------------------

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        limit = params.get("limit") or 100
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        with self._changed:
            # As Telegram does: asking with an offset confirms every update before it.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return list(self._updates[:limit])

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        raw_text = str(params.get("text", ""))
        text = visible_text_of_html(raw_text) if params.get("parse_mode") == "HTML" else raw_text
        if not text.strip():
            raise BadRequest("Bad Request: message text is empty")
        if telegram_length(text) > 4096:
            raise BadRequest("Bad Request: message is too long")
        self._check_keyboard(params.get("reply_markup"))
        chat_id = int(params["chat_id"])
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Patient"},
            "from": BOT_USER,
            "text": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._changed:
            self._messages[(chat_id, message["message_id"])] = message | {"html": raw_text}
            if params.get("reply_markup"):
                self._keyboards_sent[(chat_id, message["message_id"])] = params["reply_markup"]
            self._changed.notify_all()
        return message

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        new_markup = params.get("reply_markup") or None
        self._check_keyboard(new_markup)
        with self._changed:
            message = self._messages.get(key)
            if message is None:
                raise BadRequest("Bad Request: message to edit not found")
            if message.get("reply_markup") == new_markup:
                raise BadRequest("Bad Request: message is not modified")
            if new_markup is None:
                message.pop("reply_markup", None)
            else:
                message["reply_markup"] = new_markup
            self._changed.notify_all()
            return {k: v for k, v in message.items() if k != "html"}

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = params.get("secret_token")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url, self.webhook_secret = "", None
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def _check_keyboard(markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    raise BadRequest("Bad Request: BUTTON_DATA_INVALID")

    # -- what tests do ----------------------------------------------------------------------

    def fail_next(self, method: str, error_code: int, description: str, retry_after: int | None = None) -> None:
        """The next call of `method` fails as Telegram would fail it (e.g. 429 flood control, 502)."""
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._changed:
            self._faults.append((method, error_code, body))

    def push(self, *updates: dict[str, Any]) -> None:
        """Queues updates for getUpdates, all at once (so copies can arrive in one batch)."""
        with self._changed:
            self._updates.extend(updates)
            self._changed.notify_all()

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Patient"}

    def _user(self, chat_id: int) -> dict[str, Any]:
        user: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Patient"}
        if chat_id in self.user_languages:
            user["language_code"] = self.user_languages[chat_id]
        return user

    def message_update(self, chat_id: int, **content: Any) -> dict[str, Any]:
        """An update with a new message from the user of a private chat, e.g. text=..., photo=[...]."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id),
            **content,
        }
        return {"update_id": next(self._update_ids), "message": message}

    def text_update(self, chat_id: int, text: str) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        command = re.match(r"/\w+", text)
        if command:  # Telegram marks commands with an entity; handlers look for it
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return self.message_update(chat_id, **content)

    def button_update(self, chat_id: int, message_id: int, callback_data: str) -> dict[str, Any]:
        """An update for a press on an inline button of a message the bot sent."""
        with self._changed:
            message = dict(self._messages[(chat_id, message_id)])
        message.pop("html", None)
        query = {
            "id": str(next(self._callback_ids)),
            "from": self._user(chat_id),
            "chat_instance": "1",
            "message": message,
            "data": callback_data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def press(self, chat_id: int, message_id: int, title: str) -> dict[str, Any]:
        """An update for a press on the button titled `title`, with the data the bot gave that button
        (also on a keyboard the bot has since removed, as another device may still show it)."""
        with self._changed:
            markup = self._keyboards_sent.get((chat_id, message_id)) or {}
        data = next(
            (
                button["callback_data"]
                for row in markup.get("inline_keyboard", [])
                for button in row
                if button.get("text") == title
            ),
            None,
        )
        if data is None:
            raise AssertionError(f"message {message_id} in chat {chat_id} has no button {title!r}")
        return self.button_update(chat_id, message_id, data)

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot sent (current state: a removed keyboard is gone), oldest first."""
        with self._changed:
            return [
                dict(m)
                for (chat, _), m in sorted(self._messages.items(), key=lambda kv: kv[0][1])
                if chat_id is None or chat == chat_id
            ]

    def calls_to(self, method: str, chat_id: int | None = None) -> list[ApiCall]:
        with self._changed:
            return [
                c for c in self.calls if c.method == method and (chat_id is None or c.params.get("chat_id") == chat_id)
            ]

    def wait_until(self, condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
        """Waits until condition() is truthy (re-checked on every API call) and returns its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
                self._changed.wait(min(remaining, 0.2))

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """Waits until the bot has sent at least `count` messages to the chat; returns them all."""
        return self.wait_until(
            lambda: (lambda ms: ms if len(ms) >= count else None)(self.sent_messages(chat_id)),
            timeout,
            f"{count} messages in chat {chat_id}",
        )

    def deliver_webhook(
        self, update: dict[str, Any], secret: Any = USE_REGISTERED_SECRET, to: str | None = None
    ) -> int:
        """Posts an update to the registered webhook as Telegram does; returns the HTTP status.
        `to`: another URL instead, as a load balancer in front of several replicas would choose one."""
        if not self.webhook_url:
            raise AssertionError("the bot has not registered a webhook")
        headers = {"Content-Type": "application/json"}
        secret = self.webhook_secret if secret is USE_REGISTERED_SECRET else secret
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(to or self.webhook_url, data=json.dumps(update).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
