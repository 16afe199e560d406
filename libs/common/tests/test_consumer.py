"""The idempotent handler path: one transaction per event, recorded in the inbox."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import ConversationClosed, MessageReceived
from switchboard.common.events.profile import CustomerErased
from switchboard.common.streams import BusPolicy

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def closed(conversation: str) -> ConversationClosed:
    return ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                              closed_at=datetime.now(UTC))


def incoming(conversation: str = "c1", tenant: str = "acme") -> Envelope:
    return make_envelope(closed(conversation), tenant=tenant, source="ingest", subject=conversation,
                         correlation_id="corr-1")


def consumer(notes, handlers: HandlerMap, service: str = "qa") -> EventConsumer:
    bus = Bus("nats://127.0.0.1:1", service, BusPolicy(), [])  # never started: handle() needs no bus
    return EventConsumer(service, bus, notes.sessions, notes.backbone, handlers, max_deliver=3)


def noting(notes, calls: list[str]):
    async def on_closed(event: ConversationClosed, ctx: EventContext) -> None:
        calls.append(event.conversation_id)
        ctx.uow.session.add(notes.Note(id=f"{len(calls)}-{ctx.envelope.id}", tenant_id=ctx.tenant,
                                       text=event.conversation_id))
    return on_closed


async def test_a_redelivered_event_runs_its_handler_once(notes) -> None:
    calls: list[str] = []
    events = consumer(notes, HandlerMap().on(ConversationClosed, noting(notes, calls)))
    envelope = incoming()
    assert await events.handle(envelope) is True
    assert await events.handle(Envelope.model_validate_json(envelope.model_dump_json())) is False
    assert calls == ["c1"]
    assert await notes.count(notes.Note) == 1
    assert await notes.count(notes.backbone.inbox) == 1


async def test_each_consuming_service_handles_the_event_once_for_itself(notes) -> None:
    calls: list[str] = []
    handlers = HandlerMap().on(ConversationClosed, noting(notes, calls))
    envelope = incoming()
    assert await consumer(notes, handlers, "qa").handle(envelope) is True
    assert await consumer(notes, handlers, "campaign").handle(envelope) is True
    assert calls == ["c1", "c1"]
    async with notes.sessions() as session:
        inbox_table = notes.backbone.inbox
        inbox = await session.execute(select(inbox_table.c.consumer, inbox_table.c.event_type))
        assert sorted(tuple(row) for row in inbox) == [("campaign", "sb.ingest.conversation.closed.v1"),
                                          ("qa", "sb.ingest.conversation.closed.v1")]


async def test_a_failing_handler_leaves_no_effect_and_no_inbox_row_so_a_retry_runs_it_again(notes) -> None:
    attempts: list[int] = []

    async def flaky(event: ConversationClosed, ctx: EventContext) -> None:
        ctx.uow.session.add(notes.Note(id=f"n{len(attempts)}", tenant_id=ctx.tenant, text="half"))
        await ctx.uow.emit(closed("follow-up"), tenant=ctx.tenant)
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("downstream not ready")

    events = consumer(notes, HandlerMap().on(ConversationClosed, flaky))
    envelope = incoming()
    with pytest.raises(RuntimeError, match="downstream"):
        await events.handle(envelope)
    assert await notes.count(notes.Note) == 0
    assert await notes.count(notes.backbone.inbox) == 0
    assert await notes.count(notes.backbone.outbox) == 0
    assert await events.handle(envelope) is True
    assert len(attempts) == 2
    assert await notes.count(notes.Note) == 1
    assert await notes.count(notes.backbone.outbox) == 1


async def test_an_event_without_a_handler_is_not_recorded(notes) -> None:
    events = consumer(notes, HandlerMap().on(CustomerErased, noting(notes, [])))
    assert await events.handle(incoming()) is False
    assert await notes.count(notes.backbone.inbox) == 0


async def test_an_event_whose_payload_does_not_validate_raises_and_is_not_recorded(notes) -> None:
    calls: list[str] = []
    events = consumer(notes, HandlerMap().on(ConversationClosed, noting(notes, calls)))
    envelope = incoming()
    envelope.data["reason"] = "boredom"
    with pytest.raises(ValidationError):
        await events.handle(envelope)
    assert calls == []
    assert await notes.count(notes.backbone.inbox) == 0


async def test_the_handler_sees_only_the_events_tenant(notes) -> None:
    async with notes.sessions() as session:
        session.add_all([notes.Note(id="mine", tenant_id="acme", text=""),
                         notes.Note(id="theirs", tenant_id="globex", text="")])
        await session.commit()
    seen: list[str] = []

    async def look(event: ConversationClosed, ctx: EventContext) -> None:
        seen.extend(row.id for row in await ctx.uow.session.scalars(select(notes.Note)))

    await consumer(notes, HandlerMap().on(ConversationClosed, look)).handle(incoming(tenant="acme"))
    assert seen == ["mine"]


async def test_events_a_handler_emits_continue_the_correlation_causation_and_trace(notes) -> None:
    async def follow_up(event: ConversationClosed, ctx: EventContext) -> None:
        await ctx.uow.emit(closed("next"), tenant=ctx.tenant, subject="next")

    envelope = incoming()
    headers = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
    await consumer(notes, HandlerMap().on(ConversationClosed, follow_up)).handle(envelope, headers=headers)
    [row] = await notes.outbox_rows()
    emitted = Envelope.model_validate_json(row["envelope"])
    assert (emitted.correlationid, emitted.causationid, emitted.source) == ("corr-1", envelope.id, "qa")
    assert row["headers"]["traceparent"].split("-")[1] == TRACE_ID
    assert row["headers"]["traceparent"].split("-")[2] != "00f067aa0ba902b7"


def test_the_handler_map_lists_what_it_handles_for_the_consumer_filters() -> None:
    async def ignore(event: object, ctx: EventContext) -> None:
        return None

    handlers = HandlerMap().on(ConversationClosed, ignore).on(MessageReceived, ignore)
    assert handlers.handled() == [("ingest", "conversation.closed"), ("ingest", "message.received")]
    assert len(handlers) == 2
    assert handlers.get("sb.ingest.message.received.v1") is ignore
    assert handlers.get("sb.ingest.message.received.v2") is None
