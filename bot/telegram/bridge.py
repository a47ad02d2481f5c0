"""The bridge itself: python-telegram-bot handlers that relay a chat to Rasa and back.

Each Telegram chat is one Rasa conversation (sender id `telegram-<chat id>`). Updates are
processed concurrently, each while it has its chat's turn (a lock in the shared state), so a chat's
messages are handled one at a time, in order, even with several replicas of the bridge; an update
delivered twice, to this replica or another, is handled once. Only private chats are served: the
clinic's staff group (for notices) must not talk to the assistant.

python-telegram-bot's AIORateLimiter keeps the bot within Telegram's flood limits and, when
Telegram still answers 429 "retry after", waits that long and tries again. A button carries a short
key to its Rasa payload, which the shared state keeps (buttons.py).

Every message goes to Rasa with `metadata["language"]`: the language it is written in, else the
Telegram user's `language_code` (bot/language.py); the bridge's own replies are in that language.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn
from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    SimpleUpdateProcessor,
    TypeHandler,
    filters,
)

from bot import health
from bot.channels import TELEGRAM, conversation_ref, sender_id_for
from bot.clinic import Clinic
from bot.language import conversation_language, language_of_hint
from bot.log_privacy import about_message
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.shared_state import MemoryState, RedisState, SharedState, StateUnavailable
from bot.telegram import replies
from bot.telegram.buttons import BUTTON_KEPT_SECONDS, ButtonStore
from bot.telegram.config import TelegramConfig
from bot.telegram.rendering import OutgoingMessage, render_rasa_messages
from bot.telegram.typing_indicator import keep_typing
from bot.telegram.webhook import webhook_app

log = logging.getLogger(__name__)

# What Telegram's commands mean to the assistant (intents of domain.yml): /start greets, /help
# explains, /cancel is `stop`, which cancels an intake in progress and stores nothing of it.
START_MESSAGE = "/greet"
HELP_MESSAGE = "/help"
CANCEL_MESSAGE = "/stop"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
CONCURRENT_UPDATES = 256  # python-telegram-bot's own number for concurrent_updates(True)
FLOOD_RETRIES = 2  # after a 429; AIORateLimiter waits the retry_after Telegram asks for each time
NETWORK_ATTEMPTS = 3  # for a brief network failure (a 502, a timeout), which the rate limiter leaves alone
# Telegram keeps an update it could not deliver for 24 hours, so a copy can come that much later.
UPDATE_SEEN_SECONDS = 24 * 3600
# An update being handled is claimed for this long, renewed while its replica works on it: if the
# replica dies, a copy Telegram delivers again is handled once the claim has expired.
UPDATE_IN_HAND_SECONDS = 30
HANDLED = "handled"
# A chat's turn: held while one update talks to Rasa (at most 30 s, RasaClient's timeout) and sends
# the answers (flood control and network retries included). A replica that dies holding it frees
# it after TURN_HOLD_SECONDS; an update behind a few slow ones waits up to TURN_WAIT_SECONDS.
TURN_HOLD_SECONDS = 90
TURN_WAIT_SECONDS = 120

_PRIVATE = filters.ChatType.PRIVATE
_NEW_MESSAGE = filters.UpdateType.MESSAGE & _PRIVATE

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def _update_key(update: Update) -> str:
    return f"telegram-update:{update.update_id}"


def _plain(text_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text_html))


def _user_language(update: Update) -> str | None:
    """The language the patient's Telegram app is set to ("es", "es-419", "en-GB"), as ours."""
    user = update.effective_user
    return language_of_hint(user.language_code) if user is not None else None


def _language_of(update: Update, text: str | None = None) -> str:
    """The language to answer `update` in: its text's when clear (a command or a button's payload
    says none), else the one the patient's Telegram app is set to, else English."""
    return conversation_language(text or "", _user_language(update))


class _AboutItsConversation(SimpleUpdateProcessor):
    """Handles each update inside `about_message`: every line logged for it names its conversation
    (a reference, never the chat id) and a request id, which the Rasa client forwards."""

    def __init__(self, max_concurrent_updates: int, channel_secret: str):
        super().__init__(max_concurrent_updates)
        self._channel_secret = channel_secret

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        with about_update(update, self._channel_secret):
            await coroutine


def about_update(update: object, channel_secret: str) -> contextlib.AbstractContextManager:
    """`about_message` for an update: its chat's conversation reference and a new request id."""
    chat = update.effective_chat if isinstance(update, Update) else None
    conversation = conversation_ref(sender_id_for(TELEGRAM, chat.id), channel_secret) if chat else ""
    return about_message(conversation, None)


class _WebhookServer(uvicorn.Server):
    # uvicorn re-raises SIGINT/SIGTERM once it has stopped, which would end the process before
    # python-telegram-bot has stopped; the bridge handles the signals itself (_run_webhook).
    @contextlib.contextmanager
    def capture_signals(self):
        yield


class TelegramBridge:
    def __init__(
        self, config: TelegramConfig, clinic: Clinic, rasa: RasaClient | None = None, state: SharedState | None = None
    ):
        """`state`: what the replicas share (bot/shared_state.py, configured_state()); by default this
        process's memory, as for a single bridge."""
        self._config = config
        self._clinic = clinic
        self._rasa = rasa
        self._state = state if state is not None else MemoryState()
        self._buttons = ButtonStore(self._state)

    def build_application(self) -> Application:
        application = (
            Application.builder()
            .token(self._config.token)
            .base_url(self._config.base_url)
            .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
            .concurrent_updates(_AboutItsConversation(CONCURRENT_UPDATES, self._config.channel_secret))
            .post_init(self._open_rasa)
            .post_shutdown(self._close_rasa)
            .build()
        )
        in_turn = self._in_chat_turn
        if not self._config.uses_webhook:  # the webhook claims each update itself (handle_delivered)
            application.add_handler(TypeHandler(Update, self._drop_repeated_update), group=-1)
            application.add_handler(TypeHandler(Update, self._mark_handled), group=99)
        application.add_handler(CommandHandler("start", in_turn(self._on_start), filters=_PRIVATE))
        application.add_handler(CommandHandler("help", in_turn(self._on_help), filters=_PRIVATE))
        application.add_handler(CommandHandler("cancel", in_turn(self._on_cancel), filters=_PRIVATE))
        application.add_handler(MessageHandler(_NEW_MESSAGE & filters.COMMAND, in_turn(self._on_unknown_command)))
        application.add_handler(MessageHandler(_NEW_MESSAGE & filters.TEXT, in_turn(self._on_text)))
        application.add_handler(MessageHandler(_NEW_MESSAGE, in_turn(self._on_not_text)))
        application.add_handler(CallbackQueryHandler(in_turn(self._on_button)))
        application.add_error_handler(self._on_error)
        return application

    def run(self) -> None:
        """Blocks until stopped (Ctrl-C or SIGTERM): webhook if configured, otherwise long polling."""
        application = self.build_application()
        if self._config.uses_webhook:
            asyncio.run(self._run_webhook(application))
        else:
            log.info("Telegram bridge polling for updates")
            application.run_polling(allowed_updates=ALLOWED_UPDATES)

    async def _run_webhook(self, application: Application) -> None:
        """Our own listener (bot.telegram.webhook) instead of run_webhook's, until SIGINT/SIGTERM."""
        config = self._config
        server = _WebhookServer(
            uvicorn.Config(
                webhook_app(
                    config.webhook_path,
                    config.webhook_secret,
                    application.bot,
                    functools.partial(self.handle_delivered, application),
                    self.health_checks,
                ),
                host=config.webhook_listen,
                port=config.webhook_port,
                lifespan="off",
                access_log=False,
                server_header=False,
                log_level="warning",
            )
        )
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, setattr, server, "should_exit", True)
        async with application:  # initialize ... shutdown
            await self._open_rasa(application)
            await application.start()
            serving = asyncio.create_task(server.serve())
            while not server.started and not serving.done():
                await asyncio.sleep(0.05)
            if server.started:  # only then tell Telegram where to deliver
                await application.bot.set_webhook(
                    url=config.webhook_url, secret_token=config.webhook_secret, allowed_updates=ALLOWED_UPDATES
                )
                log.info("Telegram bridge listening for webhooks on %s:%s", config.webhook_listen, config.webhook_port)
            await serving
            await application.stop()
            await self._close_rasa(application)

    # -- life cycle -------------------------------------------------------------------------

    async def _open_rasa(self, application: Application) -> None:
        if self._rasa is None:
            self._rasa = RasaClient(self._config.rasa_url, secret=self._config.channel_secret)
        log.info("Telegram bridge ready (bot id %s), relaying to Rasa", application.bot.id)

    async def _close_rasa(self, application: Application) -> None:
        if self._rasa is not None:
            await self._rasa.aclose()
        if isinstance(self._state, RedisState):
            await self._state.aclose()

    async def health_checks(self) -> dict[str, str]:
        """What the webhook listener's /healthz reports (bot/health.py): whether Rasa is ready, and
        whether the shared state answers when it is Redis (memory always does)."""
        checks = {"rasa": health.rasa_ready(self._rasa)}
        if isinstance(self._state, RedisState):
            checks["redis"] = health.state_ready(self._state)
        return dict(zip(checks, await asyncio.gather(*checks.values())))

    # -- handlers ---------------------------------------------------------------------------

    async def handle_delivered(self, application: Application, update: Update) -> int:
        """A webhook delivery, handled to the end: 200 when it is done (now or before); 503 while
        another replica has it in hand, so Telegram delivers it again later, when that one has
        finished (the copy is then dropped) or died (its claim expires and the copy is handled)."""
        key = _update_key(update)
        if not await self._state.claim(key, UPDATE_IN_HAND_SECONDS):
            with about_update(update, self._config.channel_secret):
                if await self._state.get(key) == HANDLED:
                    log.info("update %s delivered again, ignored", update.update_id)
                    return 200
                log.info("update %s delivered again while in hand elsewhere", update.update_id)
                return 503
        renewing = asyncio.create_task(self._keep_in_hand(key))
        try:
            await application.update_processor.process_update(update, application.process_update(update))
        finally:
            renewing.cancel()
        await self._mark_handled(update)
        return 200

    async def _keep_in_hand(self, key: str) -> None:
        while True:
            await asyncio.sleep(UPDATE_IN_HAND_SECONDS / 3)
            if await self._state.get(key) is None:  # the turn never came: the claim was given up
                return
            await self._state.put(key, "1", UPDATE_IN_HAND_SECONDS)

    async def _drop_repeated_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # One atomic claim, so two copies processed at once (here or by another replica) cannot both pass.
        key = _update_key(update)
        if not await self._state.claim(key, UPDATE_IN_HAND_SECONDS):
            log.info("update %s delivered again, ignored", update.update_id)
            raise ApplicationHandlerStop

    async def _mark_handled(self, update: Update, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """Kept as handled for as long as Telegram could deliver a copy (a turn that never came
        deleted its claim instead: the update was not handled)."""
        key = _update_key(update)
        if await self._state.get(key) is not None:
            await self._state.put(key, HANDLED, UPDATE_SEEN_SECONDS)

    def _in_chat_turn(self, handle: Handler) -> Handler:
        """`handle`, run while it has its chat's turn: one update of a chat at a time across every
        replica, one process's in the order they came (bot/shared_state.py's lock)."""

        async def in_turn(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            chat = update.effective_chat
            if chat is None:  # a button of an inline message: no chat to keep in order
                await handle(update, context)
                return
            async with contextlib.AsyncExitStack() as turn:
                try:
                    await turn.enter_async_context(
                        self._state.lock(
                            f"telegram-chat:{chat.id}", hold_at_most=TURN_HOLD_SECONDS, wait_at_most=TURN_WAIT_SECONDS
                        )
                    )
                except StateUnavailable as error:
                    await self._turn_did_not_come(update, context, error)
                    return
                await handle(update, context)

        return in_turn

    async def _turn_did_not_come(self, update: Update, context: ContextTypes.DEFAULT_TYPE, error: Exception) -> None:
        """The chat's turn stayed taken (a replica stuck on it): this update is not handled, so it is
        not recorded as handled either, and the patient is asked to try again."""
        log.warning("update %s not handled: %s", update.update_id, error)
        await self._state.delete(_update_key(update))
        if update.callback_query is not None:  # stops the button's spinner; its keyboard stays usable
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()
        message = update.effective_message
        language = _language_of(update, message.text if message is not None else None)
        await self._send_plain(context.bot, update.effective_chat.id, replies.trouble(self._clinic, language))

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._relay(context.bot, update, START_MESSAGE)

    async def _on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The assistant's own help (the same as on the website), then what the commands do here.
        chat_id = update.effective_chat.id
        language = _language_of(update)
        await self._relay(context.bot, update, HELP_MESSAGE, when_silent=replies.help_text(self._clinic, language))
        await self._send_plain(context.bot, chat_id, replies.say(replies.COMMANDS, language))

    async def _on_cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        cancelled = replies.say(replies.CANCELLED, _language_of(update))
        await self._relay(context.bot, update, CANCEL_MESSAGE, when_silent=cancelled)

    async def _on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        unknown = replies.say(replies.UNKNOWN_COMMAND, _language_of(update))
        await self._send_plain(context.bot, update.effective_chat.id, unknown)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._relay(context.bot, update, update.effective_message.text)

    async def _on_not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        only_text = replies.say(replies.ONLY_TEXT, _language_of(update))
        await self._send_plain(context.bot, update.effective_chat.id, only_text)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        message = query.message
        language = _language_of(update)  # a button's payload says no language: the patient's app's
        if message is None or not message.is_accessible or update.effective_chat is None:
            await query.answer(replies.say(replies.BUTTON_EXPIRED, language))
            return
        chat_id = update.effective_chat.id
        # A keyboard answers one question: a second press (double tap, another device) is refused.
        if not await self._state.claim(f"telegram-keyboard:{chat_id}:{message.message_id}", BUTTON_KEPT_SECONDS):
            await query.answer(replies.say(replies.ALREADY_ANSWERED, language))
            return
        # The button's ButtonChoice, or None when its key is gone (expired, or sent before a restart
        # of a bridge without Redis).
        choice = await self._buttons.choice(query.data)
        await self._buttons.forget(message.reply_markup)
        await query.answer(replies.say(replies.YOU_CHOSE, language, title=choice.title) if choice is not None else None)
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as error:
            log.debug("keyboard not removed: %s", error.message)
        if choice is None:
            await self._send_plain(context.bot, chat_id, replies.say(replies.BUTTON_EXPIRED, language))
        else:
            await self._relay(context.bot, update, choice.payload)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Only the kind of error and the update id: messages may hold health details.
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "error while handling update %s: %s",
            update_id,
            type(context.error).__name__,
            exc_info=not isinstance(context.error, TelegramError),
        )

    # -- relaying ---------------------------------------------------------------------------

    async def _relay(self, bot: Bot, update: Update, text: str, when_silent: str | None = None) -> None:
        """Sends the update's message to Rasa and Rasa's answers back; the caller has the chat's turn.

        The message id is the update's, so a copy of it sent again (by a retry, or by a replica that
        did not see the first) is run once by Rasa, which answers it as it did the first time.
        Its metadata says the message's language (the first message's sets the conversation's)."""
        chat_id = update.effective_chat.id
        language = _language_of(update, text)
        try:
            async with keep_typing(bot, chat_id):
                messages = await self._rasa.send(
                    sender_id_for(TELEGRAM, chat_id),
                    text,
                    metadata={"language": language},
                    message_id=f"telegram-{update.update_id}",
                )
        except RasaUnavailable as error:
            log.warning("Rasa unavailable for chat %s: %s", chat_id, error)
            await self._send_plain(bot, chat_id, replies.trouble(self._clinic, language))
            return
        outgoing = render_rasa_messages(messages)
        if not outgoing:
            if when_silent is None:
                # The assistant always answers; silence means an action failed behind Rasa.
                log.warning("Rasa sent no answer for chat %s", chat_id)
            await self._send_plain(bot, chat_id, when_silent or replies.trouble(self._clinic, language))
            return
        for message in outgoing:
            await self._send(bot, chat_id, message)

    async def _send_plain(self, bot: Bot, chat_id: int, text: str) -> None:
        await self._send(bot, chat_id, OutgoingMessage(html.escape(text, quote=False)))

    async def _send(self, bot: Bot, chat_id: int, message: OutgoingMessage) -> None:
        """Sends one answer, retrying brief network failures (flood control is the rate limiter's)."""
        markup = await self._buttons.markup(message.keyboard) if message.keyboard else None
        for attempt in range(1, NETWORK_ATTEMPTS + 1):
            try:
                await bot.send_message(
                    chat_id=chat_id, text=message.html, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                return
            except Forbidden:
                log.info("chat %s has blocked the bot; answer dropped", chat_id)
                return
            except BadRequest as error:
                # Escaping should make this impossible; if Telegram still refuses the markup, the
                # patient gets the same words without formatting rather than nothing.
                log.warning("Telegram refused a formatted answer for chat %s: %s", chat_id, error.message)
                await bot.send_message(chat_id=chat_id, text=_plain(message.html), reply_markup=markup)
                return
            except RetryAfter:  # still flood control after the rate limiter's retries
                log.warning("answer for chat %s not sent (flood control)", chat_id)
                return
            except NetworkError as error:  # includes TimedOut
                if attempt == NETWORK_ATTEMPTS:
                    log.warning(
                        "answer for chat %s not sent after %s attempts (%s)", chat_id, attempt, type(error).__name__
                    )
                    return
                log.info("answer for chat %s delayed %ss (%s)", chat_id, attempt, type(error).__name__)
                await asyncio.sleep(attempt)
