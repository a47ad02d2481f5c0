"""The staff accounts page (admins): activate, deactivate, change role, unlock, remove a second factor."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.dashboard import accounts, audit
from bot.dashboard.access import requires
from bot.dashboard.accounts import AccountError
from bot.dashboard.models import ROLES
from bot.dashboard.pages import flash, redirect, render, run_in_session


@requires("admin")
async def staff_page(request: Request) -> Response:
    actor = request.state.user.username

    def load(session):
        audit.record(session, actor, "list", detail="staff accounts")
        return accounts.all_accounts(session)

    users = await run_in_session(request, load)
    return render(request, "staff.html", {"users": users, "roles": ROLES})


@requires("admin")
async def staff_update(request: Request) -> Response:
    username = request.path_params["username"]
    form = await request.form()
    actor = request.state.user.username
    change = str(form.get("change", ""))

    def apply(session):
        if change == "activate":
            accounts.set_active(session, username, True, actor)
        elif change == "deactivate":
            accounts.set_active(session, username, False, actor)
        elif change == "role":
            accounts.set_role(session, username, str(form.get("role", "")), actor)
        elif change == "unlock":
            accounts.unlock(session, username, actor)
        elif change == "reset_second_factor":
            accounts.reset_second_factor(session, username, actor)
        else:
            raise AccountError("Unknown change.")

    try:
        await run_in_session(request, apply)
        flash(request, "success", f"Account {username} updated.")
    except AccountError as problem:
        flash(request, "error", str(problem))
    return redirect("/staff")


routes = [
    Route("/staff", staff_page, methods=["GET"], name="staff"),
    Route("/staff/{username}", staff_update, methods=["POST"], name="staff_update"),
]
