"""Readiness checks of our own parts: each asks the real dependencies it needs (the intake
database, Redis, Rasa) and says "ok" or "unavailable" for each, never why in any detail an
outsider could use (no addresses, no error texts).

Every part answers `GET /livez` (the process runs: the manifests' liveness probe restarts it
otherwise) and `GET /healthz` (it can serve: the load balancer and the readiness probe send it
traffic only then). Rasa's own is `/webhooks/rest/healthz` (bot/rasa_channel.py).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

OK, UNAVAILABLE = "ok", "unavailable"

log = logging.getLogger(__name__)


def _failed(what: str, error: BaseException) -> str:
    log.warning("readiness: %s did not answer (%s)", what, type(error).__name__)
    return UNAVAILABLE


def database_ready(engine: sa.Engine) -> str:
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001  (any failure: not ready)
        return _failed("the database", error)
    return OK


def said(passed: bool) -> str:
    return OK if passed else UNAVAILABLE


async def rasa_ready(rasa) -> str:
    """Rasa through our RasaClient (bot/rasa_client.py, `ready`), which the relay and the bridge hold."""
    return said(await rasa.ready())


async def state_ready(state) -> str:
    """The shared state (bot/shared_state.py): memory always answers, Redis when it pings."""
    return said(await state.ping())


def verdict(checks: dict[str, str]) -> tuple[int, dict]:
    """The status code and body of a /healthz answer."""
    ok = all(value == OK for value in checks.values())
    return (200 if ok else 503), {"status": OK if ok else UNAVAILABLE, "checks": checks}


ALIVE = {"status": "alive"}
