"""Refuses a request whose address cannot be one of our pages, before any route sees it.

Shared by the website (bot.web) and the dashboard. Three kinds of address are refused with 400:
a control character in the path (a NUL there made StaticFiles raise, a 500), a NUL in the query
string (PostgreSQL refuses NUL in text, so a search for one failed in the database), and a Host
header that is not a host and port (`[` made Starlette's `request.url` raise, a 500 on /api/chat
and on every dashboard page). uvicorn itself refuses raw CR, LF and NUL in the request line and
headers before we see them.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes, urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.responses import own_text

BAD_ADDRESS = own_text("utter_relay_bad_address")


def bad_address(scope: Scope) -> bool:
    path = scope.get("path", "")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path):
        return True
    if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
        return True
    host = dict(scope.get("headers", [])).get(b"host")
    try:
        _ = urlsplit("//" + host.decode("latin-1")).port  # what request.url will parse; raises if bad
    except ValueError:
        return True
    except AttributeError:  # no Host header (HTTP/1.0): Starlette uses the server address
        pass
    return False


class RefuseBadAddresses:
    """ASGI middleware; `as_json` answers {"error": ...} (the widget's API) instead of plain text."""

    def __init__(self, app: ASGIApp, as_json: bool = False) -> None:
        self.app = app
        self.as_json = as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not bad_address(scope):
            await self.app(scope, receive, send)
            return
        if self.as_json:
            body, content_type = json.dumps({"error": BAD_ADDRESS}).encode(), b"application/json"
        else:
            body, content_type = BAD_ADDRESS.encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
