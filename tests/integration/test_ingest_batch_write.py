"""The SMS intake's batch write on the run's database at ingest's newest migration: on PostgreSQL
(`make test-pg`) it is one statement of unnested arrays, on SQLite one statement per table; both
must store the same rows, events in order and refuse what the columns refuse."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.db import create_engine, session_factory
from switchboard.common.events.base import Envelope
from switchboard.common.testing import TestDatabases
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, InboundMessage
from switchboard.ingest.inbound_batch import SmsWebhook, write_sms_batch
from switchboard.ingest.models import Channel, Conversation, Message, RawPayload, backbone

DAY = timedelta(hours=24)
TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def url(databases: TestDatabases) -> str:
    return databases.migrated_url_for("ingest")  # made outside the test's event loop


@pytest.fixture
async def sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        for channel_id, tenant in (("ch-a", "acme"), ("ch-b", "globex")):
            session.add(Channel(id=channel_id, tenant_id=tenant, kind="sms", provider="generic",
                                address="+8610086", name="hotline", signing_secret="secret-0123456789",
                                credentials={}, created_at=datetime.now(UTC)))
        await session.commit()
    yield sessions
    await engine.dispose()


def webhook(provider_id: str, sender: str, channel_id: str = "ch-a", text: str = "查话费") -> SmsWebhook:
    body = json.dumps({"message_id": provider_id, "from": sender, "to": "+8610086", "text": text})
    inbound = InboundMessage(provider_message_id=provider_id, from_address=sender, to_address="+8610086",
                             text=text, content_type="application/json", raw_body=body)
    trace = TRACE if provider_id == "gw-2" else None
    return SmsWebhook(channel_id, verify=lambda secret: None, parse=lambda: inbound,
                      correlation_id=f"req-{provider_id}", traceparent=trace)


async def write(sessions: async_sessionmaker[AsyncSession], webhooks: list[SmsWebhook]) -> list[object]:
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        outcomes: list[object] = list(await write_sms_batch(uow, webhooks, inactivity=DAY, source="ingest"))
        await uow.commit()
    return outcomes


async def test_a_batch_stores_every_tables_rows_and_its_events_in_arrival_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    [earlier] = await write(sessions, [webhook("gw-0", "+8613800000001")])
    assert isinstance(earlier, Accepted)
    outcomes = await write(sessions, [
        webhook("gw-1", "+8613800000002"), webhook("gw-2", "+8613800000001", text="还有流量吗"),
        webhook("gw-3", "+8613800000002"), webhook("gw-1", "+8613800000003", channel_id="ch-b"),
        webhook("gw-1", "+8613800000002")])
    new, joined, reply, other_tenant, again = outcomes
    assert isinstance(new, Accepted) and isinstance(joined, Accepted) and isinstance(reply, Accepted)
    assert isinstance(other_tenant, Accepted) and isinstance(again, Accepted)
    assert joined.conversation_id == earlier.conversation_id and reply.conversation_id == new.conversation_id
    assert again == Accepted(new.message_id, new.conversation_id, duplicate=True)
    resent = await write(sessions, [webhook("gw-3", "+8613800000002"), webhook("gw-0", "+8613800000001"),
                                    webhook("gw-0", "+8613800000001", channel_id="ch-b")])
    assert resent[:2] == [Accepted(reply.message_id, reply.conversation_id, duplicate=True),
                          Accepted(earlier.message_id, earlier.conversation_id, duplicate=True)]
    assert isinstance(resent[2], Accepted) and not resent[2].duplicate  # the same id on another channel
    async with sessions() as session:
        messages = (await session.execute(select(
            Message.provider_message_id, Message.tenant_id, Message.conversation_id, Message.text,
            Message.created_at).order_by(Message.created_at))).all()
        raw = (await session.execute(select(RawPayload.message_id, RawPayload.tenant_id, RawPayload.body)
                                     .order_by(RawPayload.received_at))).all()
        moved = await session.get(Conversation, earlier.conversation_id)
        opened = await session.get(Conversation, new.conversation_id)
        events = (await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))).all()
    assert [(m[0], m[1], m[2], m[3]) for m in messages] == [
        ("gw-0", "acme", earlier.conversation_id, "查话费"),
        ("gw-1", "acme", new.conversation_id, "查话费"),
        ("gw-2", "acme", earlier.conversation_id, "还有流量吗"),
        ("gw-3", "acme", new.conversation_id, "查话费"),
        ("gw-1", "globex", other_tenant.conversation_id, "查话费"),
        ("gw-0", "globex", resent[2].conversation_id, "查话费")]
    assert [row.message_id for row in raw][1:5] == [
        new.message_id, joined.message_id, reply.message_id, other_tenant.message_id]
    assert [row.tenant_id for row in raw] == ["acme"] * 4 + ["globex"] * 2
    assert json.loads(raw[2].body)["text"] == "还有流量吗"
    assert moved is not None and moved.last_activity_at == messages[2][4] > moved.opened_at
    assert opened is not None and (opened.status, opened.last_activity_at) == ("open", messages[3][4])
    envelopes = [Envelope.model_validate_json(row.envelope) for row in events][2:-2]
    assert [(e.type.split(".")[2:4], e.tenant, e.correlationid) for e in envelopes] == [
        (["conversation", "opened"], "acme", "req-gw-1"), (["message", "received"], "acme", "req-gw-1"),
        (["message", "received"], "acme", "req-gw-2"), (["message", "received"], "acme", "req-gw-3"),
        (["conversation", "opened"], "globex", "req-gw-1"), (["message", "received"], "globex", "req-gw-1")]
    assert [row.headers for row in events][2:5] == [{}, {}, {"traceparent": TRACE}]
    assert all(row.attempts == 0 and row.event_id == envelope.id
               for row, envelope in zip(events[2:-2], envelopes, strict=True))


async def test_a_value_longer_than_its_column_fails_the_batch_instead_of_being_cut(
    sessions: async_sessionmaker[AsyncSession], url: str,
) -> None:
    if url.startswith("sqlite"):
        pytest.skip("SQLite does not enforce a column's length")
    with pytest.raises(DBAPIError):
        await write(sessions, [webhook("gw-" + "9" * 300, "+8613800000001")])
    async with sessions() as session:
        assert (await session.scalars(select(Message.id))).all() == []
