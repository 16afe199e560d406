"""call transcripts

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:48:44.040770
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('call_transcripts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=False),
    sa.Column('conversation_id', sa.String(length=36), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_transcripts_call_id_calls')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_call_transcripts_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_transcripts')),
    sa.UniqueConstraint('call_id', name=op.f('uq_call_transcripts_call_id'))
    )
    with op.batch_alter_table('call_transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_transcripts_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_transcripts_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_transcripts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_call_transcripts_conversation_id'))

    op.drop_table('call_transcripts')
