"""Callback requests: a patient asked to talk to a person and left a number to be called back.

Revision ID: 0003_callbacks
Revises: 0002_dashboard
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_callbacks"
down_revision = "0002_dashboard"
branch_labels = None
depends_on = None

_STATUSES = "status IN ('new', 'done')"


def upgrade() -> None:
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("preferred_time", sa.String(200), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("reference", name="uq_callback_requests_reference"),
        sa.UniqueConstraint("idempotency_key", name="uq_callback_requests_idempotency_key"),
        sa.CheckConstraint(_STATUSES, name="ck_callback_requests_status"),
    )
    op.create_index("ix_callback_requests_created_at", "callback_requests", ["created_at"])
    op.create_index("ix_callback_requests_status", "callback_requests", ["status"])


def downgrade() -> None:
    op.drop_index("ix_callback_requests_status", table_name="callback_requests")
    op.drop_index("ix_callback_requests_created_at", table_name="callback_requests")
    op.drop_table("callback_requests")
