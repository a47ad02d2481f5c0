"""Intake tables: consultation requests and their screening answers.

Revision ID: 0001_intake
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_intake"
down_revision = None
branch_labels = None
depends_on = None

_OUTCOMES = "outcome IN ('eligible', 'needs_review', 'deferred', 'not_eligible')"
_LEVELS = "level IS NULL OR level IN ('info', 'review', 'defer', 'exclude')"


def upgrade() -> None:
    op.create_table(
        "consultation_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("preferred_contact", sa.String(16), nullable=False),
        sa.Column("concerns", sa.Text(), nullable=False),
        sa.Column("treatment_areas", sa.Text(), nullable=True),
        sa.Column("preferred_time", sa.String(200), nullable=False),
        sa.Column("health_notes", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("reference", name="uq_consultation_requests_reference"),
        sa.UniqueConstraint("idempotency_key", name="uq_consultation_requests_idempotency_key"),
        sa.CheckConstraint(_OUTCOMES, name="ck_consultation_requests_outcome"),
    )
    op.create_index("ix_consultation_requests_created_at", "consultation_requests", ["created_at"])
    op.create_index("ix_consultation_requests_outcome", "consultation_requests", ["outcome"])
    op.create_index("ix_consultation_requests_status", "consultation_requests", ["status"])
    op.create_table(
        "screening_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("consultation_requests.id", ondelete="CASCADE", name="fk_screening_answers_request_id"),
            nullable=False,
        ),
        sa.Column("rule_id", sa.String(64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("affirmed", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("follow_up", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(_LEVELS, name="ck_screening_answers_level"),
    )
    op.create_index("ix_screening_answers_request_id", "screening_answers", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_answers_request_id", table_name="screening_answers")
    op.drop_table("screening_answers")
    op.drop_index("ix_consultation_requests_status", table_name="consultation_requests")
    op.drop_index("ix_consultation_requests_outcome", table_name="consultation_requests")
    op.drop_index("ix_consultation_requests_created_at", table_name="consultation_requests")
    op.drop_table("consultation_requests")
