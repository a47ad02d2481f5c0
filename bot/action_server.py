"""The action server: rasa-sdk's own app and executor (`python -m rasa_sdk` would build the same),
listening on BIND_HOST and answering only Rasa.

Served as rasa-sdk serves it (rasa_sdk/endpoint.py `run`), with two differences:
- it listens on `--host` (default BIND_HOST, loopback) instead of rasa-sdk's 0.0.0.0;
- every request except `/health` must carry ACTION_SERVER_SECRET in the `X-Action-Server-Secret`
  header (Rasa sends it: endpoints.yml), else 403. An action call can store a request, so a
  forged one must not run: with made-up slots, `action_finish_intake` stored an "eligible" request;
- an action call is at most MAX_ACTION_CALL_BYTES however it arrives (413 otherwise): Sanic stops
  reading a longer body, and a `Content-Encoding: deflate` body, which rasa-sdk inflates with no
  limit (`zlib.decompress`), is first inflated here up to the limit only (a zip bomb).
"""

from __future__ import annotations

import logging
import sys
import warnings
import zlib
from functools import lru_cache, partial
from typing import Any, Optional

import yaml
from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve, create_argument_parser, create_ssl_config
from rasa_sdk.executor import ActionExecutor, ActionExecutorRunResult
from rasa_sdk.interfaces import ActionExecutionRejection, ActionMissingDomainException, ActionNotFoundException
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.worker.loader import AppLoader

from bot import health
from bot.db.base import engine_for
from bot.db.migrate import upgrade_to_head
from bot.log_privacy import about_message
from bot.responses import DOMAIN_FILE
from bot.settings import settings_for_startup
from bot.shared_secrets import ACTION_HEADER, matches

# rasa-sdk 3.21 warns on every process's first action call that Rasa 3.6 "might not be compatible";
# the protocol is the same and the integration tests prove it, so the warning only hides real ones.
# At import time, because Sanic's workers import this module but do not run main().
warnings.filterwarnings("ignore", message="Your versions of rasa and rasa_sdk might not be compatible")

logger = logging.getLogger(__name__)

# Rasa sends every event of the conversation (a few KB a turn; no domain, see local_domain): 8 MB is thousands of turns, more than any conversation the
# retention keeps (and a form ends in one).
MAX_ACTION_CALL_BYTES = 8 * 1024 * 1024
# Liveness (rasa-sdk's own "ok") and readiness (the intake database answers): say nothing else.
OPEN_PATHS = frozenset({"/health", "/healthz"})
ACTION_FAILED_RESPONSE = "utter_action_failed"  # domain.yml


class KindActionExecutor(ActionExecutor):
    """rasa-sdk's executor, except that an action that raises still answers: the patient hears
    something kind with the clinic's number (rasa-sdk answered 500 with the whole tracker echoed
    back, and Rasa then sent the patient nothing at all), and the log says which action failed.
    The failed action's events are dropped, so a form simply asks its question again."""

    async def run(self, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Optional[ActionExecutorRunResult]:
        # The relay or the bridge named the conversation and the request (bot/rasa_client.py).
        metadata = ((action_call.get("tracker") or {}).get("latest_message") or {}).get("metadata") or {}
        with about_message(str(metadata.get("conversation_ref") or ""), metadata.get("request_id")):
            return await self._run(action_call, *args, **kwargs)

    async def _run(self, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Optional[ActionExecutorRunResult]:
        try:
            return await super().run(action_call, *args, **kwargs)
        except (ActionExecutionRejection, ActionNotFoundException, ActionMissingDomainException):
            raise  # rasa-sdk's webhook answers these itself, as Rasa expects
        except Exception as error:  # noqa: BLE001 - never silence, whatever went wrong
            logger.error("action %s failed: %s", action_call.get("next_action"), type(error).__name__, exc_info=error)
            return ActionExecutorRunResult(events=[], responses=[{"response": ACTION_FAILED_RESPONSE}])

    def update_and_return_domain(self, payload: dict[str, Any], action_name: str) -> Optional[dict[str, Any]]:
        """The domain as domain.yml says it, read once here: Rasa 3.6 would send its whole domain
        (every response, ~40 KB) with every call, which was a good part of each intake turn's
        time. endpoints.yml's enable_selective_domain stops that (no action is marked
        `send_domain`), and Rasa 3.6 knows nothing of the digests newer rasa-sdk expects instead.
        The forms read their slots in it, the review its words; both come from the same file
        the model was trained from."""
        if payload.get("domain") is not None:
            return super().update_and_return_domain(payload, action_name)
        return local_domain()


@lru_cache(maxsize=1)
def local_domain() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def inflates_beyond(body: bytes, limit: int) -> Optional[bool]:
    """Whether a deflate body inflates to more than `limit` bytes, holding at most limit + 1 of
    them; None when it is not deflate data at all."""
    try:
        return len(zlib.decompressobj().decompress(body, limit + 1)) > limit
    except zlib.error:
        return None


def guard(app: Sanic, secret: str, database_url: str = "", limit: int = MAX_ACTION_CALL_BYTES) -> Sanic:
    app.config.REQUEST_MAX_SIZE = limit  # Sanic stops reading a longer body...

    @app.get("/healthz")
    async def ready(_request: Request) -> response.HTTPResponse:
        checks = {"database": health.database_ready(engine_for(database_url))} if database_url else {}
        status, body = health.verdict(checks)
        return response.json(body, status=status)

    @app.exception(PayloadTooLarge)  # ...and says so: rasa-sdk's catch-all handler would make it a 500
    async def too_large(_request: Request, _error: PayloadTooLarge) -> response.HTTPResponse:
        return response.json({"error": "the action call is too large"}, status=413)

    # Before every other middleware (rasa-sdk's CORS one answers OPTIONS): a refused caller gets nothing.
    @app.on_request(priority=1000)
    async def only_rasa(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if not matches(request.headers.get(ACTION_HEADER), secret):
            logger.warning("action server: refused a request without the action server secret")
            return response.json({"error": "forbidden"}, status=403)
        # Wider than rasa-sdk's own test (exactly "deflate"), so whatever it inflates was checked here.
        if request.headers.get("Content-Encoding", "").strip().lower() == "deflate":
            too_big = inflates_beyond(request.body, limit)
            if too_big is None:
                return response.json({"error": "the body is not deflate data"}, status=400)
            if too_big:
                return response.json({"error": "the action call is too large"}, status=413)
        return None

    return app


def create_guarded_app(action_executor: ActionExecutor, secret: str, database_url: str, **serve_options) -> Sanic:
    """Module-level, like rasa-sdk's factory: Sanic pickles it to build the app in each worker."""
    return guard(create_app_for_serve(action_executor, **serve_options), secret, database_url)


def main() -> int:
    settings = settings_for_startup("action server")
    parser = create_argument_parser()
    parser.add_argument(
        "--host", default=settings.bind_host, help="interface to listen on (default: BIND_HOST, else 127.0.0.1)"
    )
    args = parser.parse_args()
    if args.grpc:
        parser.error("--grpc is not supported: Rasa talks to the action server over HTTP")
    secret = settings.action_server_secret
    if not secret:
        print("Cannot start the action server: ACTION_SERVER_SECRET is not set (make run sets it).", file=sys.stderr)
        return 2
    # The intake database is brought to the current schema here, once, never on a patient's "confirm".
    upgrade_to_head(settings.database_url)

    # As rasa_sdk.__main__.main_from_args does.
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    action_executor = KindActionExecutor()
    action_executor.register_package(args.actions_module or args.actions)

    # As rasa_sdk.endpoint.run does, with our factory and host.
    loader = AppLoader(
        factory=partial(
            create_guarded_app,
            action_executor,
            secret,
            settings.database_url,
            cors_origins=args.cors,
            auto_reload=args.auto_reload,
            endpoints=args.endpoints,
        )
    )
    app = loader.load()
    ssl_config = create_ssl_config(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info(f"Action endpoint is up and running on {'https' if ssl_config else 'http'}://{args.host}:{args.port}")
    app.prepare(host=args.host, port=args.port, ssl=ssl_config, workers=utils.number_of_sanic_workers())
    Sanic.serve(primary=app, app_loader=loader)
    return 0


if __name__ == "__main__":
    sys.exit(main())
