"""search change log: product ids written since the search index was built

Revision ID: 0003_search_changes
Revises: 0002_sync_rejects
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_search_changes"
down_revision = "0002_sync_rejects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_search_changes")),
        sqlite_autoincrement=True,
    )
    # Existing catalogs: one "rebuild everything" entry so that engines
    # built before this revision notice the log.
    op.execute("INSERT INTO search_changes (product_id) VALUES (NULL)")


def downgrade() -> None:
    op.drop_table("search_changes")
