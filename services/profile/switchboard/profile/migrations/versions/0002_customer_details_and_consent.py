"""customer details, tiers, conversations, consent

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:18:35.664518
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('tenant_id', 'channel', 'address', 'purpose', name=op.f('uq_consents_tenant_id_channel_address_purpose'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('do_not_contact',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_do_not_contact')),
    sa.UniqueConstraint('tenant_id', 'channel', 'address', name=op.f('uq_do_not_contact_tenant_id_channel_address'))
    )
    with op.batch_alter_table('do_not_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_do_not_contact_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tiers',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'name', name=op.f('pk_tiers'))
    )
    op.create_table('conversations',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disposition', sa.String(length=64), nullable=True),
    sa.Column('resolved', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_conversations_customer_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_conversations'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_customer_activity', ['customer_id', 'last_contact_at'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birthday', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('tags', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('attributes', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('tenant_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('marketing_requires_opt_in', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_column('detail')
        batch_op.drop_column('agent_id')

    with op.batch_alter_table('tenant_settings', schema=None) as batch_op:
        batch_op.drop_column('marketing_requires_opt_in')
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('identities', schema=None) as batch_op:
        batch_op.drop_column('verified')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('merged_into')
        batch_op.drop_column('last_contact_at')
        batch_op.drop_column('attributes')
        batch_op.drop_column('tags')
        batch_op.drop_column('birthday')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_customer_activity')

    op.drop_table('conversations')
    op.drop_table('tiers')
    with op.batch_alter_table('do_not_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_do_not_contact_tenant_id'))

    op.drop_table('do_not_contact')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_consents_customer_id'))

    op.drop_table('consents')
