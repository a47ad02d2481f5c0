"""`python -m bot.dashboard`: upgrade the database, then serve the dashboard with uvicorn."""

from __future__ import annotations

import sys

import uvicorn

from bot.clinic import load_clinic
from bot.dashboard.app import create_app
from bot.dashboard.security import DashboardConfigError, load_security_config
from bot.db.migrate import upgrade_to_head
from bot.log_privacy import start_logging
from bot.private_files import restrict_new_files
from bot.settings import settings_for_startup


def main() -> int:
    restrict_new_files()  # the database and the local session key
    start_logging()
    settings = settings_for_startup("staff dashboard")
    try:
        security = load_security_config(settings)
    except DashboardConfigError as problem:
        print(f"Dashboard not started: {problem}", file=sys.stderr)
        return 2
    upgrade_to_head(settings.database_url)
    clinic = load_clinic(settings.clinic_config)
    app = create_app(
        settings.database_url,
        security,
        tz=settings.timezone(),
        clinic_name=clinic.name,
        tracker_store_url=settings.tracker_store_url,
        trusted_proxy_hops=settings.dashboard_trusted_proxy_hops,
    )
    mode = (
        "Secure cookies and HSTS: serve it over HTTPS"
        if security.secure_cookies
        else "plain HTTP for local use: cookies without Secure, no HSTS"
    )
    if security.require_admin_2fa:
        mode += "; admins need two-step sign-in"
    print(f"Staff dashboard: http://{settings.dashboard_host}:{settings.dashboard_port}/ [{mode}]", flush=True)
    # access_log off: uvicorn would log query strings, and a search can be a patient's name.
    # proxy_headers off, as for the relay: uvicorn would believe X-Forwarded-For from any local
    # peer; sign-in limits read it only as far as DASHBOARD_TRUSTED_PROXY_HOPS says. Nothing
    # depends on the scheme uvicorn would take from X-Forwarded-Proto: links are paths only.
    uvicorn.run(
        app,
        host=settings.dashboard_host,
        port=settings.dashboard_port,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
