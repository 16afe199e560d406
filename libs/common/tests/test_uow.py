"""The unit of work: state changes and their outbox rows commit together, or not at all."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from switchboard.common.events.base import Envelope, parse_payload
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.tracing import correlation_id_var, traceparent_var
from switchboard.common.uow import UnitOfWork

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def closed(conversation: str) -> ConversationClosed:
    return ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                              closed_at=datetime(2024, 5, 1, 10, 42, tzinfo=UTC))


class Wakeups:
    """Stands in for the outbox relay's wake-up call."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


async def test_an_emitted_event_is_in_the_outbox_after_the_commit(notes) -> None:
    uow = UnitOfWork(notes.sessions, notes.backbone, "ingest")
    async with uow:
        uow.session.add(notes.Note(id="n1", tenant_id="acme", text="kept"))
        envelope = await uow.emit(closed("c1"), tenant="acme", subject="c1")
        await uow.commit()
    [row] = await notes.outbox_rows()
    assert (row["event_id"], row["attempts"]) == (envelope.id, 0)
    assert row["subject"] == "sb.acme.ingest.conversation.closed"
    stored = Envelope.model_validate_json(row["envelope"])
    assert stored == envelope and stored.source == "ingest" and stored.subject == "c1"
    assert parse_payload(stored) == closed("c1")
    assert await notes.count(notes.Note) == 1


async def test_leaving_the_block_without_commit_leaves_no_event_and_no_change(notes) -> None:
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        uow.session.add(notes.Note(id="n1", tenant_id="acme", text="dropped"))
        await uow.session.flush()
        await uow.emit(closed("c1"), tenant="acme")
    assert await notes.count(notes.backbone.outbox) == 0
    assert await notes.count(notes.Note) == 0


async def test_an_error_in_the_block_rolls_back_and_propagates(notes) -> None:
    with pytest.raises(LookupError):
        async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
            uow.session.add(notes.Note(id="n1", tenant_id="acme", text="dropped"))
            await uow.emit(closed("c1"), tenant="acme")
            raise LookupError("no such queue")
    assert await notes.count(notes.backbone.outbox) == 0
    assert await notes.count(notes.Note) == 0


async def test_an_explicit_rollback_discards_what_was_emitted(notes) -> None:
    wakeups = Wakeups()
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest", on_commit=wakeups) as uow:
        await uow.emit(closed("c1"), tenant="acme")
        await uow.rollback()
        uow.session.add(notes.Note(id="n1", tenant_id="acme", text="after the rollback"))
        await uow.commit()
    assert await notes.count(notes.backbone.outbox) == 0
    assert await notes.count(notes.Note) == 1
    assert wakeups.count == 0, "nothing to relay: the emitted event was rolled back"


async def test_the_relay_is_woken_once_after_a_commit_that_emitted(notes) -> None:
    wakeups = Wakeups()
    uow = UnitOfWork(notes.sessions, notes.backbone, "ingest", on_commit=wakeups)
    async with uow:
        await uow.emit(closed("c1"), tenant="acme")
        await uow.emit(closed("c2"), tenant="acme")
        assert wakeups.count == 0, "not before the commit"
        await uow.commit()
    assert wakeups.count == 1
    async with uow:
        await uow.emit(closed("c3"), tenant="acme")
        # leaves without commit
    assert wakeups.count == 1
    assert await notes.count(notes.backbone.outbox) == 2


async def test_a_commit_without_events_does_not_wake_the_relay(notes) -> None:
    wakeups = Wakeups()
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest", on_commit=wakeups) as uow:
        uow.session.add(notes.Note(id="n1", tenant_id="acme", text="x"))
        await uow.commit()
    assert wakeups.count == 0
    assert await notes.count(notes.Note) == 1


async def test_emitted_events_carry_the_current_correlation_causation_and_trace(notes) -> None:
    correlation = correlation_id_var.set("corr-1")
    trace = traceparent_var.set(TRACEPARENT)
    try:
        async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
            uow.causation_id = "cause-1"
            envelope = await uow.emit(closed("c1"), tenant="acme")
            await uow.commit()
    finally:
        traceparent_var.reset(trace)
        correlation_id_var.reset(correlation)
    assert (envelope.correlationid, envelope.causationid) == ("corr-1", "cause-1")
    [row] = await notes.outbox_rows()
    headers = row["headers"] if isinstance(row["headers"], dict) else json.loads(row["headers"])
    assert headers == {"traceparent": TRACEPARENT}


async def test_an_event_for_an_invalid_tenant_is_refused_and_not_written(notes) -> None:
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        with pytest.raises(ValueError, match="tenant"):
            await uow.emit(closed("c1"), tenant="Acme Corp")
        await uow.commit()
    assert await notes.count(notes.backbone.outbox) == 0


async def test_the_session_exists_only_inside_the_block(notes) -> None:
    uow = UnitOfWork(notes.sessions, notes.backbone, "ingest")
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.session
    async with uow:
        assert (await uow.session.execute(select(1))).scalar() == 1
    with pytest.raises(RuntimeError, match="outside"):
        _ = uow.session


async def test_after_commit_callbacks_run_once_the_commit_is_done_and_never_after_a_rollback(notes) -> None:
    called: list[str] = []
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        uow.session.add(notes.Note(id="n1", tenant_id="acme", text="kept"))
        uow.after_commit(lambda: called.append("committed"))
        assert called == []
        await uow.commit()
    assert called == ["committed"]
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        uow.after_commit(lambda: called.append("rolled back"))
        await uow.rollback()
        await uow.commit()
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        uow.after_commit(lambda: called.append("left without commit"))
    assert called == ["committed"]
