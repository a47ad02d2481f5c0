"""`/livez` and `/healthz` (bot/health.py), without a session: the load balancer, the manifests'
probes, `make run` and the tests ask them. Ready means the intake database answers, and Redis
too when the sign-in limits are shared there."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import health
from bot.db.base import engine_for
from bot.settings import get_settings
from bot.shared_state import configured_state


async def alive(request: Request) -> Response:
    return JSONResponse(health.ALIVE)


async def ready(request: Request) -> Response:
    checks = {"database": await run_in_threadpool(health.database_ready, engine_for(request.app.state.database_url))}
    settings = get_settings()
    if settings.state_redis_url:
        state = getattr(request.app.state, "shared_state", None) or configured_state(settings)
        request.app.state.shared_state = state
        checks["redis"] = await health.state_ready(state)
    status, body = health.verdict(checks)
    return JSONResponse(body, status_code=status)


routes = [
    Route("/healthz", ready, methods=["GET"]),
    Route("/livez", alive, methods=["GET"]),
]
