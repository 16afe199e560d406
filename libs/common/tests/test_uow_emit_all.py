"""Many events emitted in one statement land in the outbox exactly like single emits, or not at all."""

from datetime import UTC, datetime

from switchboard.common.events.base import Envelope
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.uow import UnitOfWork


def closed(conversation: str) -> ConversationClosed:
    return ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                              closed_at=datetime(2024, 5, 1, 10, 42, tzinfo=UTC))


async def test_emit_all_writes_one_outbox_row_per_event_in_order_with_its_subject(notes) -> None:
    uow = UnitOfWork(notes.sessions, notes.backbone, "ingest")
    async with uow:
        uow.causation_id = "cause-1"
        envelopes = await uow.emit_all([(closed("c1"), "c1"), (closed("c2"), None)], tenant="acme")
        assert await uow.emit_all([], tenant="acme") == []
        await uow.commit()
    rows = await notes.outbox_rows()
    assert [r["event_id"] for r in rows] == [e.id for e in envelopes]
    stored = [Envelope.model_validate_json(r["envelope"]) for r in rows]
    assert [(e.subject, e.causationid, e.data["conversation_id"]) for e in stored] == [
        ("c1", "cause-1", "c1"), (None, "cause-1", "c2")]


async def test_emit_all_without_commit_leaves_nothing(notes) -> None:
    async with UnitOfWork(notes.sessions, notes.backbone, "ingest") as uow:
        await uow.emit_all([(closed("c1"), "c1")], tenant="acme")
    assert await notes.outbox_rows() == []
