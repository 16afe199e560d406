"""early receipts: delivery reports held until their send's provider id is recorded

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'early_receipts',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('channel_id', sa.String(length=36), nullable=False),
        sa.Column('provider_message_id', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tenant_id', sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id'], name=op.f('fk_early_receipts_channel_id_channels')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_early_receipts')),
        sa.UniqueConstraint('channel_id', 'provider_message_id', 'status',
                            name=op.f('uq_early_receipts_channel_id_provider_message_id_status')),
    )
    with op.batch_alter_table('early_receipts', schema=None) as batch_op:
        batch_op.create_index('ix_early_receipts_received_at', ['channel_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_early_receipts_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('early_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_receipts_tenant_id'))
        batch_op.drop_index('ix_early_receipts_received_at')
    op.drop_table('early_receipts')
