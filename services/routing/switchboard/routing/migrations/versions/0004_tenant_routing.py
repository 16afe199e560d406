"""tenant routing: the voice availability last announced per tenant

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 15:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenant_routing',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('available_agents', sa.Integer(), nullable=False),
    sa.Column('blended_agents', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_routing'))
    )


def downgrade() -> None:
    op.drop_table('tenant_routing')
