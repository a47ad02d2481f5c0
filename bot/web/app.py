"""The website part: demo clinic pages, the chat widget's files, and the chat relay endpoint.

The browser never talks to Rasa: `/api/chat` relays each widget message through `ChatRelay`, which
marks the conversation as channel `web` and answers retried messages without resending them.
`/api/session` issues the session ids `/api/chat` accepts (bot/web/sessions.py). Both are rate
limited per client address, and chat also per conversation (bot/limits.py); a limited request gets
429 with a sentence for the patient and `retry_after` seconds, which the widget waits out.

Every message goes to Rasa with `metadata["language"]`, the conversation language of bot/language.py
(the message's own, else the page's `lang` the widget sends), and the relay's own sentences are in
that language too; before a message is read, in the page's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import health
from bot.channels import WEB, conversation_ref, sender_id_for
from bot.client_address import client_address
from bot.clinic import Clinic, cached_clinic
from bot.http_guard import RefuseBadAddresses
from bot.language import DEFAULT_LANGUAGE, conversation_language
from bot.limits import HOUR, MINUTE, Limiter, configured_limiter, pseudonym
from bot.log_privacy import about_message, current_request_id
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.responses import own_text, wait_in_words
from bot.settings import Settings, get_settings
from bot.shared_state import configured_state
from bot.web.relay import ChatRelay, RasaSender
from bot.web.sessions import SessionSigner
from bot.web.validation import (
    BODY_TOO_LARGE,
    UNREADABLE,
    InvalidChatRequest,
    page_language_of,
    parse_chat_request,
)
from bot.web.widget_script import widget_script

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
MAX_BODY_BYTES = 16 * 1024
NOT_ON_THIS_SITE = own_text("utter_relay_not_on_this_site")

# Our own pages load nothing from any other host; the widget's CSS and JS come from here too.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds the headers every response should carry, and a strict CSP on HTML pages."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = dict(headers).get(b"content-type", b"")
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin"),
                ]
                if content_type.startswith(b"text/html"):
                    headers += [(b"content-security-policy", PAGE_CSP.encode()), (b"x-frame-options", b"DENY")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _too_many(message: str, retry_after: int) -> JSONResponse:
    return JSONResponse(
        {"error": message, "retry_after": retry_after}, status_code=429, headers={"retry-after": str(retry_after)}
    )


async def _read_json(request: Request) -> Any:
    """The request's JSON body, refusing bodies far larger than any chat message."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise InvalidChatRequest(415, UNREADABLE)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidChatRequest(413, BODY_TOO_LARGE)
    try:
        return json.loads(body)
    # RecursionError: a few kilobytes of "[[[[..." nest deeper than the parser's stack (was a 500).
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise InvalidChatRequest(400, UNREADABLE) from error


async def _read_json_or_none(request: Request) -> Any:
    try:
        return await _read_json(request)
    except InvalidChatRequest:
        return None


def _origin_allowed(request: Request, allowed: list[str]) -> bool:
    # CORS only stops browsers from reading answers; refusing foreign origins outright also keeps
    # other sites from talking to the assistant in their visitors' names.
    origin = request.headers.get("origin")
    if origin is None:
        return True
    same_origin = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin == same_origin or origin in allowed


def create_app(
    settings: Settings | None = None, rasa: RasaSender | None = None, limits: Limiter | None = None
) -> Starlette:
    settings = settings or get_settings()
    clinic: Clinic = cached_clinic(str(settings.clinic_config))
    rasa_client = rasa or RasaClient(settings.rasa_url, secret=settings.rasa_channel_secret)
    forget_after_hours = clinic.retention.unfinished_form_hours
    relay = ChatRelay(rasa_client, forget_after_seconds=forget_after_hours * 3600)
    limits = limits or configured_limiter(settings)
    secret = settings.secret()
    signer = SessionSigner(secret)
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html

    def say(response: str, language: str, **values: Any) -> str:
        """The relay's own words in `language`, with the clinic's name and phone in that language."""
        about = clinic.in_language(language)
        return own_text(response, language=language, clinic_name=about.name, clinic_phone=about.phone, **values)

    def slow_down(seconds: int, language: str) -> str:
        return say("utter_relay_slow_down", language, wait=wait_in_words(seconds, language))

    def page(template: str):
        async def endpoint(request: Request) -> Response:
            return templates.TemplateResponse(request, template, {"clinic": clinic})

        return endpoint

    def static_file(name: str, media_type: str):
        async def endpoint(request: Request) -> Response:
            # no-cache still lets the browser reuse it after a quick ETag check.
            return FileResponse(STATIC / name, media_type=media_type, headers={"cache-control": "no-cache"})

        return endpoint

    widget = widget_script(forget_after_hours)

    async def widget_js(request: Request) -> Response:
        headers = {"cache-control": "no-cache", "etag": widget.etag}
        if request.headers.get("if-none-match") == widget.etag:
            return Response(status_code=304, headers=headers)
        return Response(widget.text, media_type="text/javascript; charset=utf-8", headers=headers)

    async def reserve(key: str, limit: int, window: int) -> int:
        """0 when this request may go ahead, else the seconds to wait (Redis blocks: off the loop)."""
        reservation = await run_in_threadpool(limits.reserve, key, limit, window)
        return reservation.retry_after

    async def new_session(request: Request) -> Response:
        if not _origin_allowed(request, settings.site_origins):
            return _error(403, NOT_ON_THIS_SITE)
        client = client_address(request, settings.web_trusted_proxy_hops)
        wait = await reserve(f"session:client:{client}", settings.chat_sessions_per_client_per_hour, HOUR)
        if wait:
            language = page_language_of(await _read_json_or_none(request)) or DEFAULT_LANGUAGE
            return _too_many(say("utter_relay_too_many_chats", language, wait=wait_in_words(wait, language)), wait)
        return JSONResponse(signer.issue().as_json())

    async def chat(request: Request) -> Response:
        with about_message(request_id=request.headers.get("x-request-id")):
            return await answer_chat(request)

    async def answer_chat(request: Request) -> Response:
        if not _origin_allowed(request, settings.site_origins):
            return _error(403, NOT_ON_THIS_SITE)
        # Read before the client's limit only to say "slow down" in the page's language; a body
        # that cannot be read is refused after the limit, as before.
        try:
            payload, unreadable = await _read_json(request), None
        except InvalidChatRequest as error:
            payload, unreadable = None, error
        page_language = page_language_of(payload) or DEFAULT_LANGUAGE
        client = client_address(request, settings.web_trusted_proxy_hops)
        wait = await reserve(f"chat:client:{client}", settings.chat_per_client_per_minute, MINUTE)
        if wait:
            return _too_many(slow_down(wait, page_language), wait)
        try:
            if unreadable is not None:
                raise unreadable
            message = parse_chat_request(payload)
        except InvalidChatRequest as error:
            return _error(error.status, error.message)
        language = conversation_language(message.text, message.page_language)
        if not signer.verify(message.session_id, message.token):
            log.info("web message with an unrecognised session refused")
            return JSONResponse(
                {"error": say("utter_relay_session_expired", language), "new_session": True},
                status_code=403,
            )
        wait = await reserve(
            f"chat:conversation:{message.session_id}", settings.chat_per_conversation_per_minute, MINUTE
        )
        if wait:
            return _too_many(slow_down(wait, language), wait)
        metadata = {
            # The action server sees no address: it caps stored requests per client by this pseudonym.
            "client": pseudonym(secret, f"client:{client}"),
            # The first message's sets the conversation's language (actions/session.py).
            "language": language,
        }
        sender = sender_id_for(WEB, message.session_id)
        with about_message(conversation_ref(sender, settings.rasa_channel_secret), current_request_id()):
            try:
                answer = await relay.send(message.session_id, message.message_id, message.text, metadata)
            except RasaUnavailable as error:
                log.warning("Rasa unavailable for a web message: %s", error)
                return _error(503, say("utter_relay_unavailable", language))
            if not answer.messages and not answer.conversation_ended:
                # Rasa answers nothing when something failed behind it: the patient still gets an answer.
                log.warning("Rasa sent no answer for a web message")
                return JSONResponse({"messages": [{"text": say("utter_relay_failed", language)}]})
        return JSONResponse(answer.as_json())

    shared_state = configured_state(settings)  # only pinged: the limits' Redis, when configured

    async def livez(request: Request) -> Response:
        return JSONResponse(health.ALIVE)

    async def healthz(request: Request) -> Response:
        checks = {"rasa": await health.rasa_ready(rasa_client)}
        if settings.state_redis_url:
            checks["redis"] = await health.state_ready(shared_state)
        status, body = health.verdict(checks)
        return JSONResponse(body, status_code=status)

    api = Starlette(
        routes=[Route("/session", new_session, methods=["POST"]), Route("/chat", chat, methods=["POST"])],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=settings.site_origins,
                allow_methods=["POST"],
                allow_headers=["Content-Type"],
                max_age=600,
            )
        ],
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        forgetting = asyncio.create_task(relay.forget_idle_every(60))
        yield
        forgetting.cancel()
        if rasa is None:
            await rasa_client.aclose()

    return Starlette(
        routes=[
            Route("/", page("home.html")),
            Route("/aftercare", page("aftercare.html")),
            Route("/widget.js", widget_js),
            Route("/widget.css", static_file("widget.css", "text/css; charset=utf-8")),
            Route("/healthz", healthz),
            Route("/livez", livez),
            Mount("/api", app=api),
            Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(RefuseBadAddresses, as_json=True)],
        lifespan=lifespan,
    )
