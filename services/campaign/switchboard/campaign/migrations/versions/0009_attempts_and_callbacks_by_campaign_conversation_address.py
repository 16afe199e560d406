"""attempts by campaign and by conversation, callbacks by address

SQLite plans without statistics, and offered the tenant's own index beside a narrower one
it could take the tenant's and read every row the tenant ever had; these lead with the
tenant and name what the reads select by.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

from switchboard.common.backbone_migrations import create_indexes_v1, drop_indexes_v1

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('attempts', 'ix_attempts_tenant_campaign', ['tenant_id', 'campaign_id', 'requested_at']),
    ('attempts', 'ix_attempts_tenant_conversation', ['tenant_id', 'conversation_id']),
    ('callbacks', 'ix_callbacks_tenant_address', ['tenant_id', 'address', 'created_at']),
)


def upgrade() -> None:
    create_indexes_v1(INDEXES)


def downgrade() -> None:
    drop_indexes_v1(INDEXES)
