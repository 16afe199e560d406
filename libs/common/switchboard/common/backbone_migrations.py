"""Alembic operations every service uses: the backbone tables (outbox, inbox), and indexes.

Each function is frozen once released: a later change to the backbone schema
is a new `_v2` function that a new revision of every service calls, so running
old revisions always builds the schema they built when they were written.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def create_backbone_v1() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )


def drop_backbone_v1() -> None:
    op.drop_table("outbox")
    op.drop_table("inbox")


IndexSpec = tuple[str, str, list[str]]  # (table, index name, columns)


def create_indexes_v1(indexes: Sequence[IndexSpec]) -> None:
    """Plain (non-unique) indexes, for a revision that only adds indexes."""
    for table, name, columns in indexes:
        op.create_index(name, table, columns, unique=False)


def drop_indexes_v1(indexes: Sequence[IndexSpec]) -> None:
    for table, name, _columns in indexes:
        op.drop_index(name, table_name=table)
