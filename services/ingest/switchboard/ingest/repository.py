"""All of ingest's SQL."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from switchboard.common.sqlite_thread import execute_many, fetch_all
from switchboard.ingest.models import (
    Attachment,
    Call,
    CallTranscript,
    Channel,
    ChatSession,
    Conversation,
    Delivery,
    EarlyReceipt,
    Message,
    OptOut,
    RawPayload,
    TenantSettings,
    backbone,
)

Row = Mapping[str, Any]
_CHANNELS = cast(Table, Channel.__table__)
_CONVERSATIONS = cast(Table, Conversation.__table__)
_MESSAGES = cast(Table, Message.__table__)


_RAW_PAYLOADS = cast(Table, RawPayload.__table__)


def _no_index(column: ColumnElement[str]) -> ColumnElement[str]:
    """The column's value through an expression that no index matches (`tenant_id || ''`).

    SQLite plans without statistics: offered `tenant_id = ?` beside `channel_id = ? AND
    provider_message_id IN (...)`, it takes the tenant's index and reads every row of the tenant,
    so de-duplicating a batch grew with the table (3 ms a batch at 10,000 messages, 0.05 ms
    through the unique index). The tenant condition stays; it just no longer picks the index."""
    return column.concat("")


# The batched intake's statements, built once with their parameters (their building was a good
# part of a batch's CPU): the channels a batch names; what one channel's batch finds stored (see
# `stored_for_batch`); the last activity of the conversations it moves.
_BATCH_CHANNELS = select(
    _CHANNELS.c.id, _CHANNELS.c.tenant_id, _CHANNELS.c.kind, _CHANNELS.c.signing_secret,
).where(_CHANNELS.c.id.in_(bindparam("channel_ids", expanding=True)))
_BATCH_STORED = union_all(
    select(
        literal("message").label("kind"), _MESSAGES.c.provider_message_id.label("key"),
        _MESSAGES.c.id.label("row_id"), _MESSAGES.c.conversation_id, _MESSAGES.c.created_at.label("at"),
    ).where(_no_index(_MESSAGES.c.tenant_id) == bindparam("tenant"),
            _MESSAGES.c.channel_id == bindparam("channel_id"),
            _MESSAGES.c.provider_message_id.in_(bindparam("provider_ids", expanding=True))),
    select(
        literal("thread"), _CONVERSATIONS.c.customer_address, _CONVERSATIONS.c.id, _CONVERSATIONS.c.id,
        _CONVERSATIONS.c.last_activity_at,
    ).where(_no_index(_CONVERSATIONS.c.tenant_id) == bindparam("tenant"),
            _CONVERSATIONS.c.channel_id == bindparam("channel_id"),
            _CONVERSATIONS.c.customer_address.in_(bindparam("addresses", expanding=True)),
            _CONVERSATIONS.c.status == "open",
            _CONVERSATIONS.c.last_activity_at >= bindparam("active_since")),
)


@cache
def _insert_into(table: Table) -> Insert:
    return insert(table)


_TOUCH_CONVERSATIONS = (
    update(_CONVERSATIONS).where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values(last_activity_at=bindparam("at"))
)


@dataclass(frozen=True)
class BatchRows:
    """What a batch of inbound messages writes: new rows per table, and the conversations it moves
    (id -> last activity). Each row gives every column of its `BatchWrite` list."""

    conversations: Sequence[Row]
    touched: Mapping[str, datetime]
    messages: Sequence[Row]
    raw_payloads: Sequence[Row]
    outbox: Sequence[Row]


_BATCH_COLUMNS = {
    "conversations": ("id", "tenant_id", "channel_id", "channel_kind", "customer_address", "status",
                      "opened_at", "last_activity_at"),
    "messages": ("id", "tenant_id", "conversation_id", "channel_id", "direction", "from_address",
                 "to_address", "text", "provider_message_id", "created_at", "subject"),
    "raw_payloads": ("id", "tenant_id", "channel_id", "message_id", "content_type", "body", "received_at"),
    "outbox": ("event_id", "subject", "envelope", "headers", "created_at", "attempts"),
}


def _pg_batch_write() -> str:
    """A batch's writes on PostgreSQL as ONE statement: each table's rows as arrays, one per
    column, spread back into rows by unnest, in the order given (the outbox's seq follows it).
    Data-modifying CTEs run as one statement, so the batch costs one round trip instead of one
    per table, and foreign keys are checked at its end, when every table's rows are in."""
    dialect = postgresql.dialect()
    position = 0

    def arrays(table: Table, columns: Sequence[str]) -> str:
        nonlocal position
        casts = []
        for name in columns:
            position += 1
            # VARCHAR without its length: an explicit cast would cut a value too long, where the
            # INSERT's own (assignment) cast refuses it, as every other write's does
            type_name = re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect))
            casts.append(f"${position}::{type_name}[]")
        return ", ".join(casts)

    def insert_rows(table: Table) -> str:
        columns = _BATCH_COLUMNS[table.name]
        names = ", ".join(columns)
        return (f"INSERT INTO {table.name} ({names}) SELECT {names} "  # noqa: S608 - names from the models
                f"FROM unnest({arrays(table, columns)}) WITH ORDINALITY AS given({names}, position) "
                f"ORDER BY position")

    conversations = insert_rows(_CONVERSATIONS)
    touched = (f"UPDATE conversations SET last_activity_at = given.at FROM unnest("  # noqa: S608
               f"{arrays(_CONVERSATIONS, ('id', 'last_activity_at'))}) AS given(id, at) "
               f"WHERE conversations.id = given.id")
    messages, raw_payloads = insert_rows(_MESSAGES), insert_rows(_RAW_PAYLOADS)
    outbox = insert_rows(backbone.outbox)
    return (f"WITH new_conversations AS ({conversations}), moved_conversations AS ({touched}), "
            f"new_messages AS ({messages}), new_raw_payloads AS ({raw_payloads}) {outbox}")


_PG_BATCH_WRITE = _pg_batch_write()


def _pg_batch_parameters(rows: BatchRows) -> tuple[Any, ...]:
    """The arrays of `_PG_BATCH_WRITE`, in its order (the outbox's JSON headers as text)."""
    def columns(table: str, given: Sequence[Row]) -> list[list[Any]]:
        return [[row[name] for row in given] for name in _BATCH_COLUMNS[table]]

    outbox = columns("outbox", rows.outbox)
    outbox[3] = [json.dumps(headers) for headers in outbox[3]]
    return (*columns("conversations", rows.conversations), list(rows.touched), list(rows.touched.values()),
            *columns("messages", rows.messages), *columns("raw_payloads", rows.raw_payloads), *outbox)


@dataclass(frozen=True)
class WebhookChannel:
    id: str
    tenant_id: str
    kind: str
    signing_secret: str


class IngestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def channel(self, tenant: str, channel_id: str) -> Channel | None:
        return await self.session.scalar(
            select(Channel).where(Channel.tenant_id == tenant, Channel.id == channel_id)
        )

    async def conversation(self, tenant: str, conversation_id: str) -> Conversation | None:
        return await self.session.scalar(select(Conversation).where(
            Conversation.tenant_id == tenant, Conversation.id == conversation_id
        ))

    async def channel_for_webhook(self, channel_id: str) -> Channel | None:
        """A provider's request names the channel; its tenant comes from the channel."""
        return await self.session.scalar(select(Channel).where(Channel.id == channel_id))

    async def channels(self, tenant: str) -> list[Channel]:
        rows = await self.session.scalars(
            select(Channel).where(Channel.tenant_id == tenant).order_by(Channel.created_at)
        )
        return list(rows)

    async def channel_by_address(self, tenant: str, kind: str, address: str) -> Channel | None:
        return await self.session.scalar(
            select(Channel).where(
                Channel.tenant_id == tenant, Channel.kind == kind, Channel.address == address
            )
        )

    async def message_by_provider_id(self, channel_id: str, provider_id: str) -> Message | None:
        return await self.session.scalar(
            select(Message).where(
                Message.channel_id == channel_id, Message.provider_message_id == provider_id
            )
        )

    async def open_conversation(
        self, tenant: str, channel_id: str, customer_address: str, active_since: datetime
    ) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation)
            .where(
                Conversation.tenant_id == tenant,
                Conversation.channel_id == channel_id,
                Conversation.customer_address == customer_address,
                Conversation.status == "open",
                Conversation.last_activity_at >= active_since,
            )
            .order_by(Conversation.last_activity_at.desc())
            .limit(1)
        )

    async def open_conversation_of_thread(
        self, tenant: str, channel_id: str, thread_ids: tuple[str, ...]
    ) -> Conversation | None:
        """The open conversation holding the nearest of the messages an email answers."""
        if not thread_ids:
            return None
        rows = (await self.session.execute(
            select(Message.provider_message_id, Conversation)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.tenant_id == tenant, Message.channel_id == channel_id,
                   Message.provider_message_id.in_(thread_ids), Conversation.status == "open")
        )).all()
        by_id = {provider_id: conversation for provider_id, conversation in rows}
        return next((by_id[i] for i in thread_ids if i in by_id), None)

    async def attachments_of(self, tenant: str, message_id: str) -> list[Attachment]:
        rows = await self.session.scalars(
            select(Attachment).where(Attachment.tenant_id == tenant, Attachment.message_id == message_id)
            .order_by(Attachment.position)
        )
        return list(rows)

    async def attachment(self, tenant: str, attachment_id: str) -> Attachment | None:
        return await self.session.scalar(
            select(Attachment).where(Attachment.tenant_id == tenant, Attachment.id == attachment_id)
        )

    async def opt_out(self, tenant: str, channel_kind: str, address: str) -> OptOut | None:
        return await self.session.scalar(select(OptOut).where(
            OptOut.tenant_id == tenant, OptOut.channel_kind == channel_kind,
            OptOut.address == address,
        ))

    async def remove(self, row: OptOut) -> None:
        await self.session.delete(row)

    async def tenant_settings(self, tenant: str) -> TenantSettings | None:
        return await self.session.scalar(
            select(TenantSettings).where(TenantSettings.tenant_id == tenant)
        )

    async def email_channels_at(self, address: str) -> list[Channel]:
        """Mail arrives for an address, not a tenant: every email channel with it, any tenant."""
        rows = await self.session.scalars(select(Channel).where(
            Channel.kind == "email", func.lower(Channel.address) == address.strip().lower()
        ))
        return list(rows)

    async def chat_session(self, session_id: str) -> ChatSession | None:
        """A visitor names its session; the tenant comes from the session."""
        return await self.session.scalar(select(ChatSession).where(ChatSession.id == session_id))

    async def idle_conversations(self, kind: str, idle_since: datetime, limit: int) -> list[Conversation]:
        """Open conversations of a kind with no activity since, across tenants (the sweep's work)."""
        rows = await self.session.scalars(
            select(Conversation)
            .where(Conversation.channel_kind == kind, Conversation.status == "open",
                   Conversation.last_activity_at < idle_since)
            .order_by(Conversation.last_activity_at).limit(limit)
        )
        return list(rows)

    async def close_if_idle(self, conversation_id: str, idle_since: datetime) -> bool:
        """Close a conversation only if it is still open and still idle (a message may just have come)."""
        result = await self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status == "open",
                   Conversation.last_activity_at < idle_since)
            .values(status="closed")
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def call_by_provider_id(self, channel_id: str, provider_call_id: str) -> Call | None:
        return await self.session.scalar(select(Call).where(
            Call.channel_id == channel_id, Call.provider_call_id == provider_call_id
        ))

    async def call_by_reference(self, tenant: str, reference: str) -> Call | None:
        """A call named by our id, its conversation's id, or the provider's call id."""
        return await self.session.scalar(select(Call).where(
            Call.tenant_id == tenant,
            or_(Call.id == reference, Call.conversation_id == reference, Call.provider_call_id == reference),
        ).order_by(Call.started_at.desc()).limit(1))

    async def transcript_of(self, call_id: str) -> CallTranscript | None:
        return await self.session.scalar(select(CallTranscript).where(CallTranscript.call_id == call_id))

    async def default_channel(self, tenant: str, kind: str) -> Channel | None:
        """The tenant's first registered channel of a kind: where sends that name none go."""
        return await self.session.scalar(
            select(Channel).where(Channel.tenant_id == tenant, Channel.kind == kind)
            .order_by(Channel.created_at, Channel.id).limit(1)
        )

    async def message(self, tenant: str, message_id: str) -> Message | None:
        return await self.session.scalar(
            select(Message).where(Message.tenant_id == tenant, Message.id == message_id)
        )

    async def messages_of(self, tenant: str, conversation_id: str) -> list[Message]:
        rows = await self.session.scalars(
            select(Message)
            .where(Message.tenant_id == tenant, Message.conversation_id == conversation_id)
            .order_by(Message.created_at, Message.id)
        )
        return list(rows)

    async def delivery(self, tenant: str, delivery_id: str) -> Delivery | None:
        return await self.session.scalar(
            select(Delivery).where(Delivery.tenant_id == tenant, Delivery.id == delivery_id)
        )

    async def deliveries(self, tenant: str, ids: list[str]) -> dict[str, Delivery]:
        if not ids:
            return {}
        rows = await self.session.scalars(
            select(Delivery).where(Delivery.tenant_id == tenant, Delivery.id.in_(ids))
        )
        return {row.id: row for row in rows}

    async def delivery_for_sender(self, delivery_id: str) -> Delivery | None:
        """The sender works for every tenant; the id it claimed is its scope."""
        return await self.session.scalar(select(Delivery).where(Delivery.id == delivery_id))

    async def delivery_by_key(self, tenant: str, idempotency_key: str) -> Delivery | None:
        return await self.session.scalar(select(Delivery).where(
            Delivery.tenant_id == tenant, Delivery.idempotency_key == idempotency_key
        ))

    async def delivery_by_provider_id(self, channel_id: str, provider_id: str) -> Delivery | None:
        """A provider's receipt names its own message id on one of our channels."""
        return await self.session.scalar(select(Delivery).where(
            Delivery.channel_id == channel_id, Delivery.provider_message_id == provider_id
        ))

    async def claim_due_deliveries(self, now: datetime, limit: int) -> list[Delivery]:
        """Deliveries due for a try, across tenants (the sender works for all of them).

        A `sending` row whose lease ran out was claimed by a sender that died mid-send.
        On PostgreSQL the rows are locked and skipped by other replicas' senders.
        """
        query = (
            select(Delivery)
            .where(Delivery.status.in_(("pending", "sending")), Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(await self.session.scalars(query))

    # Batched inbound (see inbound_batch.py): one statement per table for a whole batch,
    # Core rows rather than ORM objects, because per-message round trips were the cost.

    async def webhook_channels(self, channel_ids: Collection[str]) -> dict[str, WebhookChannel]:
        """What checking a batch of provider requests needs of the channels they name (a Core
        read: the ORM's per-row work cost more than the query); each request's tenant is its channel's."""
        rows = await fetch_all(self.session, _BATCH_CHANNELS, {"channel_ids": list(channel_ids)})
        return {row[0]: WebhookChannel(*row) for row in rows}

    async def stored_for_batch(
        self, tenant: str, channel_id: str, provider_ids: Collection[str], addresses: Collection[str],
        active_since: datetime,
    ) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
        """What a batch of one channel needs to know, in one statement (each costs several round
        trips to SQLite's thread): provider id -> (message id, conversation id) for the messages
        already stored, and customer address -> its most recently active open conversation."""
        messages: dict[str, tuple[str, str]] = {}
        latest: dict[str, tuple[datetime, str]] = {}
        rows = await fetch_all(self.session, _BATCH_STORED, {
            "tenant": tenant, "channel_id": channel_id, "provider_ids": list(provider_ids),
            "addresses": list(addresses), "active_since": active_since})
        for kind, key, row_id, conversation_id, at in rows:
            if kind == "message":
                messages[key] = (row_id, conversation_id)
            elif key not in latest or (at, row_id) > latest[key]:
                latest[key] = (at, row_id)
        return messages, {address: conversation for address, (_at, conversation) in latest.items()}

    async def insert_batch(self, rows: BatchRows) -> None:
        """A batch's rows, in the session's transaction. On PostgreSQL one statement (each
        statement is a round trip, which cost more than the writes); elsewhere one per table,
        straight on SQLite's driver when the session is a worker thread's (see `execute_many`)."""
        if self.session.get_bind().dialect.name == "postgresql":
            connection = await self.session.connection()
            await connection.exec_driver_sql(_PG_BATCH_WRITE, _pg_batch_parameters(rows))
            return
        await self.insert_conversations(rows.conversations)
        await self.touch_conversations(rows.touched)
        await self.insert_messages(rows.messages)
        await self.insert_raw_payloads(rows.raw_payloads)
        await self.insert_outbox(rows.outbox)

    async def insert_conversations(self, rows: Sequence[Row]) -> None:
        await self._insert(_CONVERSATIONS, rows)

    async def touch_conversations(self, last_activity: Mapping[str, datetime]) -> None:
        """Move the last activity of existing conversations (id -> when)."""
        if not last_activity:
            return
        await execute_many(
            self.session, _TOUCH_CONVERSATIONS,
            [{"conversation_id": key, "at": at} for key, at in last_activity.items()],
        )

    async def insert_messages(self, rows: Sequence[Row]) -> None:
        await self._insert(_MESSAGES, rows)

    async def insert_raw_payloads(self, rows: Sequence[Row]) -> None:
        await self._insert(_RAW_PAYLOADS, rows)

    async def insert_outbox(self, rows: Sequence[Row]) -> None:
        await self._insert(backbone.outbox, rows)

    async def _insert(self, table: Table, rows: Sequence[Row]) -> None:
        await execute_many(self.session, _insert_into(table), rows)

    def add(
        self,
        row: Channel | Conversation | Message | RawPayload | OptOut | Delivery | TenantSettings
        | Attachment | ChatSession | Call | CallTranscript,
    ) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()

    async def hold_early_receipt(self, row: Row) -> None:
        """Held once: the same report again (or at the same instant) changes nothing."""
        dialect = self.session.get_bind().dialect.name
        insert_once = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(insert_once(EarlyReceipt).values(**row).on_conflict_do_nothing())

    async def take_early_receipts(self, channel_id: str, provider_id: str) -> list[EarlyReceipt]:
        """The reports held for one provider id, removed from the table as they are taken."""
        rows = list(await self.session.scalars(select(EarlyReceipt).where(
            EarlyReceipt.channel_id == channel_id, EarlyReceipt.provider_message_id == provider_id)))
        if rows:
            await self.session.execute(delete(EarlyReceipt).where(
                EarlyReceipt.id.in_([row.id for row in rows])))
        return rows

    async def drop_early_receipts(self, channel_id: str, received_before: datetime) -> None:
        await self.session.execute(delete(EarlyReceipt).where(
            EarlyReceipt.channel_id == channel_id, EarlyReceipt.received_at < received_before))
