"""Central service: initial schema (chains, stores, products, changes, scenes, images, events, tokens, handoffs).

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 06:42:45.717671
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op



revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('chains',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('epoch', sa.String(length=16), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('head_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chains'))
    )
    op.create_table('changes',
    sa.Column('chain_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'seq', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index('ix_changes_product', ['chain_id', 'product_id', 'store_id'], unique=False)
        batch_op.create_index('ix_changes_store_seq', ['chain_id', 'store_id', 'seq'], unique=False)

    op.create_table('event_batches',
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('store_id', 'idempotency_key', name=op.f('pk_event_batches'))
    )
    op.create_table('events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('store_id', 'uid', name='uq_events_store_uid')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_store_id'), ['store_id'], unique=False)

    op.create_table('handoffs',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('total_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('checkout_url', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_handoffs'))
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoffs_store_id'), ['store_id'], unique=False)

    op.create_table('images',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_images'))
    )
    op.create_table('tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('store_id', sa.String(length=64), nullable=True),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tokens_token_hash'))
    )
    op.create_table('variant_index',
    sa.Column('chain_id', sa.String(length=64), nullable=False),
    sa.Column('variant_id', sa.String(length=255), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('chain_id', 'variant_id', name=op.f('pk_variant_index'))
    )
    with op.batch_alter_table('variant_index', schema=None) as batch_op:
        batch_op.create_index('ix_variant_index_product', ['chain_id', 'product_id'], unique=False)
        batch_op.create_index('ix_variant_index_sku', ['chain_id', 'sku'], unique=False)

    op.create_table('handoff_scans',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['code'], ['handoffs.code'], name=op.f('fk_handoff_scans_code_handoffs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_scans'))
    )
    with op.batch_alter_table('handoff_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handoff_scans_code'), ['code'], unique=False)

    op.create_table('products',
    sa.Column('chain_id', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.Column('record', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_products_chain_id_chains')),
    sa.PrimaryKeyConstraint('chain_id', 'product_id', name=op.f('pk_products'))
    )
    op.create_table('stores',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('chain_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('scenes_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['chain_id'], ['chains.id'], name=op.f('fk_stores_chain_id_chains')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stores_chain_id'), ['chain_id'], unique=False)

    op.create_table('overrides',
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('variant_id', sa.String(length=255), nullable=False),
    sa.Column('product_id', sa.String(length=255), nullable=False),
    sa.Column('price', sa.String(length=32), nullable=True),
    sa.Column('compare_at_price', sa.String(length=32), nullable=True),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('aisle', sa.String(length=32), nullable=True),
    sa.Column('bay', sa.String(length=32), nullable=True),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_overrides_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'variant_id', name=op.f('pk_overrides'))
    )
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.create_index('ix_overrides_product', ['store_id', 'product_id'], unique=False)

    op.create_table('scenes',
    sa.Column('store_id', sa.String(length=64), nullable=False),
    sa.Column('scene_id', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_scenes_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'scene_id', name=op.f('pk_scenes'))
    )



def downgrade() -> None:

    op.drop_table('scenes')
    with op.batch_alter_table('overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_overrides_product')

    op.drop_table('overrides')
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stores_chain_id'))

    op.drop_table('stores')
    op.drop_table('products')
    with op.batch_alter_table('handoff_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_scans_code'))

    op.drop_table('handoff_scans')
    with op.batch_alter_table('variant_index', schema=None) as batch_op:
        batch_op.drop_index('ix_variant_index_sku')
        batch_op.drop_index('ix_variant_index_product')

    op.drop_table('variant_index')
    op.drop_table('tokens')
    op.drop_table('images')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoffs_store_id'))

    op.drop_table('handoffs')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_store_id'))

    op.drop_table('events')
    op.drop_table('event_batches')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_store_seq')
        batch_op.drop_index('ix_changes_product')

    op.drop_table('changes')
    op.drop_table('chains')

