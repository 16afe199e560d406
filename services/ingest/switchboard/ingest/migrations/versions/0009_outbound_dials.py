"""outbound dials

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 11:54:09.630980
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('attempt_id', sa.String(length=64), nullable=True))

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dial', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('dial')

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('attempt_id')
        batch_op.drop_column('answered_by')

