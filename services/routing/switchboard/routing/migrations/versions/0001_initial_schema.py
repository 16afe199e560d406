"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 06:03:19.358682
"""

from collections.abc import Sequence

from switchboard.common.backbone_migrations import create_backbone_v1, drop_backbone_v1


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_backbone_v1()


def downgrade() -> None:
    drop_backbone_v1()
