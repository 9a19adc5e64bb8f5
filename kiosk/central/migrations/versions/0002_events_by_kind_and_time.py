"""Central service: index events by store, kind and time (the unmet-demand report reads them so).

Replaces ``ix_events_store_id``, which the new index's first column covers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:30:00
"""

from __future__ import annotations

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_store_kind_at', ['store_id', 'kind', 'at'], unique=False)
        batch_op.drop_index(batch_op.f('ix_events_store_id'))


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_store_id'), ['store_id'], unique=False)
        batch_op.drop_index('ix_events_store_kind_at')
