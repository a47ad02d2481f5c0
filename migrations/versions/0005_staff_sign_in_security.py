"""Staff sign-in security: sessions that can be ended, a lockout an admin lifts, a second factor.

Revision ID: 0005_staff_sign_in_security
Revises: 0004_consent_texts

All on staff_users, plain ADD / DROP COLUMN as in 0004:
- session_epoch: copied into each session at sign-in; raising it ends every session of the account
  (sign-out, password reset, deactivation, second-factor reset).
- failed_sign_ins, locked_at: failures in a row, and when the account was locked; an admin unlocks.
- totp_secret, totp_enabled_at, totp_last_step: the authenticator secret (pending until confirmed
  with a code), when it was confirmed, and the last time step used so a code is never accepted twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_staff_sign_in_security"
down_revision = "0004_consent_texts"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("session_epoch", lambda: sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")),
    ("failed_sign_ins", lambda: sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")),
    ("locked_at", lambda: sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True)),
    ("totp_secret", lambda: sa.Column("totp_secret", sa.String(64), nullable=True)),
    ("totp_enabled_at", lambda: sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True)),
    ("totp_last_step", lambda: sa.Column("totp_last_step", sa.BigInteger(), nullable=True)),
)


def upgrade() -> None:
    for _name, column in _COLUMNS:
        op.add_column("staff_users", column())


def downgrade() -> None:
    for name, _column in reversed(_COLUMNS):
        op.drop_column("staff_users", name)
