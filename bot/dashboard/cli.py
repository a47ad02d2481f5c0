"""Staff accounts from the command line; there is no default account and no default password.

python -m bot.dashboard.cli add-staff --username alex --role admin            # asks twice
printf '%s\n' "$PASSWORD" | python -m bot.dashboard.cli add-staff --username sam --password-stdin
python -m bot.dashboard.cli list-staff
python -m bot.dashboard.cli deactivate --username sam
python -m bot.dashboard.cli activate --username sam
python -m bot.dashboard.cli set-password --username sam [--password-stdin]   # ends sam's sessions
python -m bot.dashboard.cli unlock --username sam          # after too many failed sign-ins
python -m bot.dashboard.cli reset-2fa --username sam       # lost phone: removes the authenticator
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.dashboard import accounts
from bot.dashboard.accounts import AccountError
from bot.dashboard.audit import cli_actor
from bot.dashboard.auth import MIN_PASSWORD_LENGTH
from bot.dashboard.models import ROLES
from bot.db.base import session_scope
from bot.db.migrate import upgrade_to_head
from bot.private_files import restrict_new_files
from bot.settings import settings_for_startup


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("No terminal to ask for a password; pipe it in with --password-stdin.")
    first = getpass.getpass(f"Password (at least {MIN_PASSWORD_LENGTH} characters): ")
    second = getpass.getpass("Same password again: ")
    if first != second:
        raise AccountError("The two passwords differ; nothing was changed.")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.dashboard.cli", description="Manage dashboard staff accounts.")
    parser.add_argument("--database-url", default=None, help="defaults to DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-staff", help="create an account")
    add.add_argument("--username", required=True)
    add.add_argument("--role", choices=ROLES, default="staff")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    commands.add_parser("list-staff", help="list accounts")
    for name, text in (
        ("deactivate", "block an account from signing in and end its sessions"),
        ("activate", "allow it again"),
        ("unlock", "unlock after too many failed sign-ins"),
        ("reset-2fa", "remove an account's authenticator (lost phone) and end its sessions"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--username", required=True)
    reset = commands.add_parser("set-password", help="replace an account's password")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()  # a new SQLite database may be created by the migrations
    args = _parser().parse_args(argv)
    url = args.database_url or settings_for_startup("staff command").database_url
    try:
        upgrade_to_head(url)
        if args.command == "add-staff":
            password = _read_password(args.password_stdin)
            with session_scope(url) as session:
                accounts.create_account(session, args.username, args.role, password, cli_actor())
            print(f"Created {args.role} account {args.username.strip().lower()}.")
        elif args.command == "set-password":
            password = _read_password(args.password_stdin)
            with session_scope(url) as session:
                accounts.set_password(session, args.username, password, cli_actor())
            print("Password changed.")
        elif args.command in ("deactivate", "activate"):
            with session_scope(url) as session:
                accounts.set_active(session, args.username, args.command == "activate", cli_actor())
            print(f"Account {args.username.strip().lower()} {args.command}d.")
        elif args.command == "unlock":
            with session_scope(url) as session:
                accounts.unlock(session, args.username, cli_actor())
            print(f"Account {args.username.strip().lower()} unlocked.")
        elif args.command == "reset-2fa":
            with session_scope(url) as session:
                accounts.reset_second_factor(session, args.username, cli_actor())
            print(f"Two-step sign-in removed from {args.username.strip().lower()}; it signs in with the password.")
        else:
            with session_scope(url) as session:
                users = accounts.all_accounts(session)
                if not users:
                    print(
                        "No accounts yet. Create one with: python -m bot.dashboard.cli add-staff --username NAME --role admin"
                    )
                for user in users:
                    last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M") if user.last_sign_in_at else "never"
                    state = ("inactive" if not user.active else "active") + (", locked" if user.locked_at else "")
                    print(
                        f"{user.username:<24} {user.role:<6} {state:<16} 2fa {'on ' if user.has_totp else 'off'} "
                        f"last sign-in {last}"
                    )
    except AccountError as problem:
        print(f"Error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
