"""A batch handler runs a fetch of events in one transaction, with the guarantees of one-by-one."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, EventContext, HandlerMap
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork


def incoming(conversation: str, tenant: str = "acme") -> Envelope:
    event = ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                               closed_at=datetime.now(UTC))
    return make_envelope(event, tenant=tenant, source="ingest", subject=conversation,
                         correlation_id=f"corr-{conversation}")


@pytest.fixture(params=["aiosqlite", "one thread hop"])
def consumer(request, notes, tmp_path: Path) -> Iterator[Callable[[HandlerMap], EventConsumer]]:
    """Batches on the ordinary async session, and in one worker-thread hop (SQLite's way)."""
    engine = notes.sessions.kw["bind"]
    threaded = (ThreadedSqlite(f"sqlite:///{tmp_path}/notes.db", hold=engine)
                if request.param == "one thread hop" else None)

    def build(handlers: HandlerMap) -> EventConsumer:
        bus = Bus("nats://127.0.0.1:1", "qa", BusPolicy(), [])  # never started: handle_batch() needs no bus
        return EventConsumer("qa", bus, notes.sessions, notes.backbone, handlers, max_deliver=3,
                             batches_in_thread=threaded)

    yield build
    if threaded is not None:
        threaded.close()


def noting(notes, calls: list[list[str]], poison: str | None = None):
    async def on_closed(events: list[tuple[ConversationClosed, Envelope]], uow: UnitOfWork) -> None:
        calls.append([event.conversation_id for event, _ in events])
        for event, envelope in events:
            if event.conversation_id == poison:
                raise RuntimeError("cannot handle this one")
            uow.session.add(notes.Note(id=envelope.id, tenant_id=envelope.tenant, text=event.conversation_id))
        await uow.emit_all([(event, event.conversation_id) for event, _ in events],
                           tenant=events[0][1].tenant, causes=[envelope for _, envelope in events])
    return on_closed


async def notes_text(notes) -> list[str]:
    async with notes.sessions() as session:
        return sorted(note.text for note in await session.scalars(select(notes.Note)))


async def test_a_batch_runs_its_events_in_order_in_one_call_and_records_each_in_the_inbox(
    notes, consumer
) -> None:
    calls: list[list[str]] = []
    events = consumer(HandlerMap().on_batch(ConversationClosed, noting(notes, calls)))
    batch = [incoming("c1"), incoming("c2"), incoming("c1")]
    assert await events.handle_batch(batch) == [True, True, True]
    assert calls == [["c1", "c2", "c1"]]
    assert await notes_text(notes) == ["c1", "c1", "c2"]
    assert await notes.count(notes.backbone.inbox) == 3


async def test_each_event_emitted_by_a_batch_carries_its_own_cause(notes, consumer) -> None:
    events = consumer(HandlerMap().on_batch(ConversationClosed, noting(notes, [])))
    batch = [incoming("c1"), incoming("c2")]
    await events.handle_batch(batch)
    stored = [Envelope.model_validate_json(row["envelope"]) for row in await notes.outbox_rows()]
    assert [(e.causationid, e.correlationid) for e in stored] == [
        (batch[0].id, "corr-c1"), (batch[1].id, "corr-c2")]


async def test_a_redelivered_batch_is_a_no_op(notes, consumer) -> None:
    calls: list[list[str]] = []
    events = consumer(HandlerMap().on_batch(ConversationClosed, noting(notes, calls)))
    batch = [incoming("c1"), incoming("c2")]
    await events.handle_batch(batch)
    again = [Envelope.model_validate_json(e.model_dump_json()) for e in batch]
    assert await events.handle_batch([*again, incoming("c3")]) == [False, False, True]
    assert calls == [["c1", "c2"], ["c3"]]
    assert await notes_text(notes) == ["c1", "c2", "c3"]


async def test_a_poison_event_fails_alone_and_the_others_of_its_batch_commit(notes, consumer) -> None:
    calls: list[list[str]] = []
    events = consumer(HandlerMap().on_batch(ConversationClosed, noting(notes, calls, poison="bad")))
    batch = [incoming("c1"), incoming("bad"), incoming("c2")]
    outcomes = await events.handle_batch(batch)
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], RuntimeError)
    # the batch, rolled back whole, then each event alone in its own transaction
    assert calls == [["c1", "bad", "c2"], ["c1"], ["bad"], ["c2"]]
    assert await notes_text(notes) == ["c1", "c2"]
    assert await notes.count(notes.backbone.inbox) == 2
    assert len(await notes.outbox_rows()) == 2
    # the poison event is retried alone later; the good ones are not handled again
    assert isinstance((await events.handle_batch(batch))[1], RuntimeError)
    assert calls[-1] == ["bad"]


async def test_a_batched_type_also_handles_a_single_event(notes, consumer) -> None:
    calls: list[list[str]] = []
    events = consumer(HandlerMap().on_batch(ConversationClosed, noting(notes, calls)))
    envelope = incoming("c1")
    assert await events.handle(envelope) is True
    assert await events.handle(envelope) is False
    assert calls == [["c1"]]


async def test_an_ordinary_handler_is_untouched_by_batch_registration(notes, consumer) -> None:
    seen: list[str] = []

    async def on_closed(event: ConversationClosed, ctx: EventContext) -> None:
        seen.append(event.conversation_id)

    handlers = HandlerMap().on(ConversationClosed, on_closed)
    assert handlers.batch_for(incoming("c1").type) is None
    events = consumer(handlers)
    assert await events.handle(incoming("c1")) is True
    assert seen == ["c1"]
