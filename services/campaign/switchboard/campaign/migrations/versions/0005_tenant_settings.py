"""tenant settings: quiet hours, holidays, weekly marketing cap, information message

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenant_settings',
    sa.Column('tenant_id', sa.String(length=63), nullable=False),
    sa.Column('quiet_hours', sa.JSON(), nullable=False),
    sa.Column('holidays', sa.JSON(), nullable=False),
    sa.Column('weekly_marketing_cap', sa.Integer(), nullable=True),
    sa.Column('information_message', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_settings'))
    )


def downgrade() -> None:
    op.drop_table('tenant_settings')
