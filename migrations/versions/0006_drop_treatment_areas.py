"""Drop consultation_requests.treatment_areas: no question ever asked for it, so it was never
written, yet it was exported, erased and shown to staff as "Areas: —".

Revision ID: 0006_drop_treatment_areas
Revises: 0005_staff_sign_in_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_drop_treatment_areas"
down_revision = "0005_staff_sign_in_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite before 3.35 cannot drop a column in place; alembic copies the table there.
    with op.batch_alter_table("consultation_requests") as table:
        table.drop_column("treatment_areas")


def downgrade() -> None:
    with op.batch_alter_table("consultation_requests") as table:
        table.add_column(sa.Column("treatment_areas", sa.Text(), nullable=True))
