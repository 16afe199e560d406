"""Inbound SMS accepted in batches: each request checked and answered as alone, one commit for all."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from switchboard.common.errors import Forbidden, NotFound, Unprocessable
from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import ConsentOptedOut, ConversationOpened, MessageReceived
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, InboundMessage, accept_inbound
from switchboard.ingest.inbound_batch import SmsWebhook, write_sms_batch
from switchboard.ingest.models import Channel, Conversation, Message, OptOut, RawPayload, backbone
from switchboard.ingest.repository import IngestRepository

CUSTOMER = "+8613800138000"
OTHER = "+8613912345678"
DAY = timedelta(hours=24)


def sms(provider_id: str, sender: str = CUSTOMER, text: str = "查话费") -> InboundMessage:
    body = json.dumps({"message_id": provider_id, "from": sender, "to": "+8610086", "text": text})
    return InboundMessage(provider_message_id=provider_id, from_address=sender, to_address="+8610086",
                          text=text, content_type="application/json", raw_body=body)


async def accept(sessions, channel: Channel, inbound: InboundMessage) -> Accepted:
    """The general path, one request alone."""
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        uow.scope_to(channel.tenant_id)
        accepted = await accept_inbound(uow, channel, inbound, inactivity=DAY)
        await uow.commit()
    return accepted


async def count(sessions, model) -> int:
    target = model if hasattr(model, "c") else model.__table__
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(target)))


async def outbox(sessions) -> list[Envelope]:
    async with sessions() as session:
        rows = await session.execute(select(backbone.outbox).order_by(backbone.outbox.c.seq))
        return [Envelope.model_validate_json(row.envelope) for row in rows]


def webhook(inbound: InboundMessage, channel_id: str = "ch-sms") -> SmsWebhook:
    return SmsWebhook(channel_id, verify=lambda secret: None, parse=lambda: inbound,
                      correlation_id=f"req-{inbound.provider_message_id}")


def forged(inbound: InboundMessage) -> SmsWebhook:
    def verify(secret: str) -> None:
        raise Forbidden("the signature does not match the request")

    return SmsWebhook("ch-sms", verify=verify, parse=lambda: inbound)


def unparsable() -> SmsWebhook:
    def parse() -> InboundMessage:
        raise Unprocessable("the body is not valid JSON")

    return SmsWebhook("ch-sms", verify=lambda secret: None, parse=parse)


async def write_batch(sessions, webhooks: list[SmsWebhook]) -> list[Accepted | Exception]:
    async with UnitOfWork(sessions, backbone, "ingest") as uow:
        outcomes = await write_sms_batch(uow, webhooks, inactivity=DAY, source="ingest")
        await uow.commit()
    return outcomes


@pytest.fixture(params=["on the event loop", "in one worker-thread hop"])
def write(
    request, sessions, tmp_path: Path
) -> Iterator[Callable[..., Awaitable[list[Accepted | Exception]]]]:
    """A batch as the intake writes it: on aiosqlite, or (SQLite in the service) on a synchronous
    session in a worker thread; both must give the same outcomes."""
    if request.param == "on the event loop":
        yield lambda webhooks: write_batch(sessions, webhooks)
        return
    threaded = ThreadedSqlite(f"sqlite:///{tmp_path}/ingest.db", hold=sessions.kw["bind"])
    yield lambda webhooks: threaded.run(lambda: write_batch(threaded.sessions, webhooks))
    threaded.close()


async def test_one_batch_threads_a_customers_messages_together_and_stores_a_repeated_id_once(
    write, sessions, channel
) -> None:
    first, reply, other, again = await write([
        webhook(sms("gw-1")), webhook(sms("gw-2", text="还有流量吗")), webhook(sms("gw-3", sender=OTHER)),
        webhook(sms("gw-1", text="resent by the gateway")),
    ])
    assert isinstance(first, Accepted) and isinstance(reply, Accepted) and isinstance(other, Accepted)
    assert (first.duplicate, reply.duplicate, other.duplicate) == (False, False, False)
    assert reply.conversation_id == first.conversation_id != other.conversation_id
    assert again == Accepted(first.message_id, first.conversation_id, duplicate=True)
    assert (await count(sessions, Message), await count(sessions, RawPayload),
            await count(sessions, Conversation)) == (3, 3, 2)
    events = await outbox(sessions)
    assert [(e.type.split(".")[2:4], e.subject, e.correlationid) for e in events] == [
        (["conversation", "opened"], first.conversation_id, "req-gw-1"),
        (["message", "received"], first.conversation_id, "req-gw-1"),
        (["message", "received"], first.conversation_id, "req-gw-2"),
        (["conversation", "opened"], other.conversation_id, "req-gw-3"),
        (["message", "received"], other.conversation_id, "req-gw-3"),
    ]
    received = [parse_payload(e) for e in events if e.type.endswith("message.received.v1")]
    assert [(r.message_id, r.provider_message_id, r.text)
            for r in received if isinstance(r, MessageReceived)] == [
        (first.message_id, "gw-1", "查话费"), (reply.message_id, "gw-2", "还有流量吗"),
        (other.message_id, "gw-3", "查话费")]


async def test_messages_of_one_batch_keep_their_arrival_order_in_the_thread(write, sessions, channel) -> None:
    outcomes = await write([webhook(sms(f"gw-{i}", text=f"part {i}")) for i in range(5)])
    async with sessions() as session:
        texts = (await session.scalars(select(Message.text).order_by(Message.created_at, Message.id))).all()
        conversation = await session.get(Conversation, outcomes[0].conversation_id)  # type: ignore[union-attr]
        last = await session.scalar(select(func.max(Message.created_at)))
    assert texts == [f"part {i}" for i in range(5)]
    assert conversation.last_activity_at == last


async def test_a_batch_joins_the_open_conversation_and_moves_its_last_activity(
    write, sessions, channel
) -> None:
    earlier = await accept(sessions, channel, sms("gw-1"))
    [later] = await write([webhook(sms("gw-2"))])
    assert isinstance(later, Accepted) and later.conversation_id == earlier.conversation_id
    async with sessions() as session:
        conversation = await session.get(Conversation, earlier.conversation_id)
        message = await session.get(Message, later.message_id)
    assert conversation.last_activity_at == message.created_at
    assert [e.type for e in (await outbox(sessions))[2:]] == ["sb.ingest.message.received.v1"]


async def test_a_message_already_stored_is_a_duplicate_that_writes_nothing(write, sessions, channel) -> None:
    earlier = await accept(sessions, channel, sms("gw-1"))
    [again] = await write([webhook(sms("gw-1"))])
    assert again == Accepted(earlier.message_id, earlier.conversation_id, duplicate=True)
    assert (await count(sessions, Message), await count(sessions, backbone.outbox)) == (1, 2)


async def test_a_refused_request_writes_nothing_and_the_rest_of_its_batch_is_stored(
    write, sessions, channel
) -> None:
    outcomes = await write([
        forged(sms("gw-forged")), webhook(sms("gw-1")), webhook(sms("gw-2"), channel_id="no-such-channel"),
        unparsable(), webhook(sms("gw-3", sender=OTHER)),
    ])
    assert [type(outcome) for outcome in outcomes] == [Forbidden, Accepted, NotFound, Unprocessable, Accepted]
    async with sessions() as session:
        stored = set((await session.scalars(select(Message.provider_message_id))).all())
    assert stored == {"gw-1", "gw-3"}
    assert await count(sessions, RawPayload) == 2


async def test_a_channel_of_another_kind_is_not_an_sms_channel(write, sessions, add_channel) -> None:
    mailbox = await add_channel("ch-mail", address="help@acme.cn")
    async with sessions() as session:
        row = await session.get(type(mailbox), "ch-mail")
        row.kind = "email"
        await session.commit()
    [outcome] = await write([webhook(sms("gw-1"), channel_id="ch-mail")])
    assert isinstance(outcome, NotFound)


async def test_an_opt_out_in_a_batch_joins_the_thread_of_the_message_beside_it(
    write, sessions, channel
) -> None:
    stop, plain = await write([webhook(sms("gw-stop", text="退订")), webhook(sms("gw-1"))])
    assert isinstance(stop, Accepted) and isinstance(plain, Accepted)
    assert stop.conversation_id == plain.conversation_id and not stop.duplicate
    assert await count(sessions, OptOut) == 1
    events = [parse_payload(e) for e in await outbox(sessions)]
    assert [type(e) for e in events] == [
        ConversationOpened, MessageReceived, MessageReceived, ConsentOptedOut]
    opted_out = events[-1]
    assert isinstance(opted_out, ConsentOptedOut) and opted_out.address == CUSTOMER


async def test_a_keyword_sent_twice_in_one_batch_is_stored_once(write, sessions, channel) -> None:
    first, again = await write([webhook(sms("gw-stop", text="STOP")),
                                          webhook(sms("gw-stop", text="STOP"))])
    assert isinstance(first, Accepted)
    assert again == Accepted(first.message_id, first.conversation_id, duplicate=True)
    assert (await count(sessions, Message), await count(sessions, OptOut)) == (1, 1)


@pytest.mark.parametrize("tenants", [("acme", "globex")])
async def test_one_batch_serves_several_tenants_each_in_its_own_rows(
    write, sessions, add_channel, tenants
) -> None:
    await add_channel("ch-a", tenant=tenants[0], address="+8610086")
    await add_channel("ch-b", tenant=tenants[1], address="+8610086")
    a, b = await write([webhook(sms("gw-1"), channel_id="ch-a"),
                                  webhook(sms("gw-1"), channel_id="ch-b")])
    assert isinstance(a, Accepted) and isinstance(b, Accepted) and a.conversation_id != b.conversation_id
    async with sessions() as session:
        rows = (await session.execute(
            select(Message.tenant_id, Message.channel_id).order_by(Message.tenant_id))).all()
    assert [tuple(row) for row in rows] == [("acme", "ch-a"), ("globex", "ch-b")]
    assert [e.tenant for e in await outbox(sessions)] == ["acme", "acme", "globex", "globex"]


async def test_a_batch_looks_up_stored_ids_and_open_threads_through_their_indexes_not_the_tenants(
    sessions, channel
) -> None:
    """SQLite without statistics would read every row of the tenant for each batch."""
    engine = sessions.kw["bind"].sync_engine
    lookups: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "UNION ALL" in statement:
            lookups.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        async with sessions() as session:
            await IngestRepository(session).stored_for_batch(
                "acme", channel.id, ["gw-1", "gw-2"], [CUSTOMER, OTHER], datetime.now(UTC) - DAY)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    [(statement, parameters)] = lookups
    async with sessions.kw["bind"].connect() as conn:
        plan = " | ".join(row[3] for row in await conn.exec_driver_sql(
            f"EXPLAIN QUERY PLAN {statement}", tuple(parameters)))
    assert "ix_messages_tenant_id" not in plan and "ix_conversations_tenant_id" not in plan, plan
    assert "(channel_id=? AND provider_message_id=?)" in plan, plan
    assert "ix_conversations_lookup" in plan, plan
