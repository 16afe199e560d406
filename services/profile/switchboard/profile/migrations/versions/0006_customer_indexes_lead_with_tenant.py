"""a customer's timeline and conversations indexed by tenant, customer and time

The indexes on (customer_id, time) did not name the tenant, so a query scoped to the tenant and
a batch of customers could match the tenant's own index better: SQLite, which plans without
statistics, read every timeline entry of the tenant for each batch of resolved contacts. Led by
the tenant they serve every such query with all its conditions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('timeline', 'ix_timeline_customer_time', 'occurred_at'),
    ('conversations', 'ix_conversations_customer_activity', 'last_contact_at'),
)


def upgrade() -> None:
    for table, name, at in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ['tenant_id', 'customer_id', at], unique=False)


def downgrade() -> None:
    for table, name, at in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ['customer_id', at], unique=False)
