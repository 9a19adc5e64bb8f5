"""search snapshots: the built search index, saved so that a restart loads it

Revision ID: 0004_search_snapshots
Revises: 0003_search_changes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.models

revision = "0004_search_snapshots"
down_revision = "0003_search_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_snapshots",
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", kiosk.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("format", name=op.f("pk_search_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("search_snapshots")
