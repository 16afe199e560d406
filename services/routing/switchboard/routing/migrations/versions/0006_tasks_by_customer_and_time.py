"""tasks by customer and by time, agent states by time

A customer's last completed task (to offer the same agent again) and the statistics' tasks and
agent states of an interval were read through the tenant's own index: every task, every state
change the tenant ever had (45-60 ms each at 300,000 tasks, growing with every contact).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 08:05:00.000000
"""

from collections.abc import Sequence

from switchboard.common.backbone_migrations import create_indexes_v1, drop_indexes_v1

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('tasks', 'ix_tasks_tenant_customer', ['tenant_id', 'customer_id', 'ended_at']),
    ('tasks', 'ix_tasks_tenant_created', ['tenant_id', 'created_at']),
    ('agent_state_history', 'ix_agent_state_history_tenant_at', ['tenant_id', 'at']),
)


def upgrade() -> None:
    create_indexes_v1(INDEXES)


def downgrade() -> None:
    drop_indexes_v1(INDEXES)
