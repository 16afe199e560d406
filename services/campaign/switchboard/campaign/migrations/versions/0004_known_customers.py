"""known customers (segments, tier, phone) from profile's events, for segment lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('known_customers',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('tier', sa.String(length=32), nullable=False),
    sa.Column('segments', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_known_customers'))
    )


def downgrade() -> None:
    op.drop_table('known_customers')
