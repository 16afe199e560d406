"""contacts: whether the list named the zone, and a send-by deadline; a journey's profile segment

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:05:16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('journey_segment', sa.String(length=64), nullable=True))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_given', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('not_after', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('not_after')
        batch_op.drop_column('zone_given')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('journey_segment')
