"""contacts and conversations: indexed by (tenant, customer) in place of the tenant alone

A customer's contacts (a zone profile learned later, a merge, an erasure, the customer's number)
were found by reading every contact of the tenant; the new index serves the tenant's rows too.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ('contacts', 'conversations'):
        op.create_index(f'ix_{table}_customer', table, ['tenant_id', 'customer_id'], unique=False)
        op.drop_index(f'ix_{table}_tenant_id', table_name=table)


def downgrade() -> None:
    for table in ('contacts', 'conversations'):
        op.create_index(f'ix_{table}_tenant_id', table, ['tenant_id'], unique=False)
        op.drop_index(f'ix_{table}_customer', table_name=table)
