"""tenant routing generation: moved on by triggers with every change of the tenant's agents,
tasks, queues or rules (a routing process keeps them in memory while it has not moved)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from switchboard.routing.generation_triggers import drop_generation_triggers_v1, generation_triggers_v1

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tenant_routing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generation', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_txid', sa.BigInteger(), nullable=True))
    for statement in generation_triggers_v1(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_generation_triggers_v1(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('tenant_routing', schema=None) as batch_op:
        batch_op.drop_column('last_txid')
        batch_op.drop_column('generation')
