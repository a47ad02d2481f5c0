"""`python -m bot.web`: serves the demo clinic page with the chat widget, and the chat relay."""

from __future__ import annotations

import uvicorn

from bot.log_privacy import start_logging
from bot.private_files import restrict_new_files
from bot.settings import settings_for_startup
from bot.web.app import create_app


def main() -> None:
    restrict_new_files()
    start_logging()
    settings = settings_for_startup("website widget")
    app = create_app(settings)
    shown_host = "localhost" if settings.web_host in ("127.0.0.1", "0.0.0.0") else settings.web_host
    print(f"Clinic demo page with the chat widget: http://{shown_host}:{settings.web_port}/", flush=True)
    # Access logs are off: they would add nothing but request lines to the operator's screen.
    # proxy_headers off: uvicorn would believe X-Forwarded-For from any local peer; the app reads
    # it itself, only as far as WEB_TRUSTED_PROXY_HOPS says (rate limits are per client address).
    uvicorn.run(
        app,
        host=settings.web_host,
        port=settings.web_port,
        access_log=False,
        log_level="info",
        server_header=False,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
