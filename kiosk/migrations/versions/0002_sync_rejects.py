"""sync rejects: products the central feed sent that the kiosk refused

Revision ID: 0002_sync_rejects
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kiosk.models

revision = "0002_sync_rejects"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_rejects",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("rejected_at", kiosk.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "product_id", name=op.f("pk_sync_rejects")),
    )


def downgrade() -> None:
    op.drop_table("sync_rejects")
