"""`/healthz`: answers "ok" without a session, for `make run` and the tests to wait on."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


routes = [
    Route("/healthz", health, methods=["GET"]),
]
