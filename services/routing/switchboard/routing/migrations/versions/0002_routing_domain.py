"""routing domain

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:19:09.491960
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agent_state_history',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_agent_state_history'))
    )
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.create_index('ix_agent_state_history_agent_at', ['tenant_id', 'agent_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_state_history_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('agents',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('id', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.JSON(), nullable=False),
    sa.Column('voice_exclusive', sa.Boolean(), nullable=False),
    sa.Column('blended', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('state_since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('idle_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wrap_up_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missed_offers', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_agents'))
    )
    op.create_table('queues',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('strategy', sa.String(length=32), nullable=False),
    sa.Column('required_skills', sa.JSON(), nullable=False),
    sa.Column('sla_target', sa.Float(), nullable=False),
    sa.Column('sla_seconds', sa.Integer(), nullable=False),
    sa.Column('max_size', sa.Integer(), nullable=True),
    sa.Column('max_wait_seconds', sa.Integer(), nullable=True),
    sa.Column('wrap_up_seconds', sa.Integer(), nullable=False),
    sa.Column('business_hours', sa.JSON(), nullable=True),
    sa.Column('escalation', sa.JSON(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_queues_tenant_id_name'))
    )
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queues_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('skills',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_skills_tenant_id_name'))
    )
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skills_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queue_id', sa.String(length=36), nullable=True),
    sa.Column('rule_id', sa.String(length=36), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('rule_priority', sa.Integer(), nullable=False),
    sa.Column('required_skills', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=True),
    sa.Column('tier', sa.String(length=32), nullable=True),
    sa.Column('profile_known', sa.Boolean(), nullable=False),
    sa.Column('grace_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disposition', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.String(length=64), nullable=True),
    sa.Column('attempt_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('wait_seconds', sa.Float(), nullable=True),
    sa.Column('talk_seconds', sa.Float(), nullable=True),
    sa.Column('wrap_seconds', sa.Float(), nullable=True),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_tenant_agent', ['tenant_id', 'agent_id'], unique=False)
        batch_op.create_index('ix_tasks_tenant_conversation', ['tenant_id', 'conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tasks_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_tasks_tenant_status', ['tenant_id', 'status'], unique=False)

    op.create_table('reservations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('agent_id', sa.String(length=128), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_reservations_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_reservations_tenant_task', ['tenant_id', 'task_id'], unique=False)

    op.create_table('routing_rules',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('queue_id', sa.String(length=36), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('required_skills', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_routing_rules_queue_id_queues')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules'))
    )
    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_rules_queue_id'), ['queue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_routing_rules_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('routing_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_rules_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_routing_rules_queue_id'))

    op.drop_table('routing_rules')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index('ix_reservations_tenant_task')
        batch_op.drop_index(batch_op.f('ix_reservations_tenant_id'))

    op.drop_table('reservations')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_tenant_status')
        batch_op.drop_index(batch_op.f('ix_tasks_tenant_id'))
        batch_op.drop_index('ix_tasks_tenant_conversation')
        batch_op.drop_index('ix_tasks_tenant_agent')

    op.drop_table('tasks')
    with op.batch_alter_table('skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skills_tenant_id'))

    op.drop_table('skills')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queues_tenant_id'))

    op.drop_table('queues')
    op.drop_table('agents')
    with op.batch_alter_table('agent_state_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_state_history_tenant_id'))
        batch_op.drop_index('ix_agent_state_history_agent_at')

    op.drop_table('agent_state_history')
