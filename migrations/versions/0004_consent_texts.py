"""Demonstrable consent: the consent texts patients agreed to, and which one each request agreed to.

Revision ID: 0004_consent_texts
Revises: 0003_callbacks

Plain ADD / DROP COLUMN (SQLite 3.35+ and PostgreSQL), not batch mode: rebuilding
consultation_requests on SQLite would drop it, and with foreign keys on that cascades into the
dashboard's status history. Requests stored before this revision keep a NULL version ("not recorded").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_consent_texts"
down_revision = "0003_callbacks"
branch_labels = None
depends_on = None

_REQUEST_TABLES = ("consultation_requests", "callback_requests")


def upgrade() -> None:
    op.create_table(
        "consent_texts",
        sa.Column("version", sa.String(32), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    for table in _REQUEST_TABLES:
        op.add_column(table, sa.Column("consent_version", sa.String(32), nullable=True))


def downgrade() -> None:
    for table in _REQUEST_TABLES:
        op.drop_column(table, "consent_version")
    op.drop_table("consent_texts")
