"""The dashboard's routes, one module per resource. Each module lists its own `routes`."""

from __future__ import annotations

from bot.dashboard.routes import account, audit_log, callbacks, export, health, requests, signin, staff_accounts

ROUTES = [
    *requests.routes,
    *signin.routes,
    *account.routes,
    *export.routes,
    *callbacks.routes,
    *audit_log.routes,
    *staff_accounts.routes,
    *health.routes,
]
