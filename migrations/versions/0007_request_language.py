"""The language of the conversation each consultation and callback request came from ("en", "es"),
so staff know which language to call the patient back in.

Revision ID: 0007_request_language
Revises: 0006_drop_treatment_areas

Plain ADD / DROP COLUMN (SQLite 3.35+ and PostgreSQL), not batch mode, as in 0004: rebuilding
consultation_requests on SQLite would cascade into the dashboard's status history. Requests
stored before this revision were all taken in English, which the server default records.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_request_language"
down_revision = "0006_drop_treatment_areas"
branch_labels = None
depends_on = None

_REQUEST_TABLES = ("consultation_requests", "callback_requests")


def upgrade() -> None:
    for table in _REQUEST_TABLES:
        op.add_column(table, sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    for table in _REQUEST_TABLES:
        op.drop_column(table, "language")
