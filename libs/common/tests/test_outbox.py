"""The outbox relay on SQLite: every event published, in order, and deleted only once acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from switchboard.common.outbox import OutboxRelay


class FakeBus:
    """Bus.publish_all as it answers: None for a message stored, else why not."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refuse: set[str] = set()
        self.connected = True

    async def publish_all(self, messages: list[tuple[str, bytes, dict[str, str]]], ack_seconds: float,
                          ) -> list[str | None]:
        outcomes: list[str | None] = []
        for _subject, _payload, headers in messages:
            event_id = headers["Nats-Msg-Id"]
            if event_id in self.refuse:
                outcomes.append("no stream")
            else:
                self.sent.append(event_id)
                outcomes.append(None)
        return outcomes


async def add_events(notes, *event_ids: str) -> None:
    async with notes.sessions() as session:
        await session.execute(insert(notes.backbone.outbox), [
            {"event_id": event_id, "subject": f"sb.acme.test.{event_id}", "envelope": "{}", "headers": {},
             "created_at": datetime.now(UTC), "attempts": 0} for event_id in event_ids])
        await session.commit()


async def in_outbox(notes) -> list[tuple[str, int]]:
    async with notes.sessions() as session:
        outbox = notes.backbone.outbox
        rows = await session.execute(select(outbox.c.event_id, outbox.c.attempts).order_by(outbox.c.seq))
        return [(event_id, attempts) for event_id, attempts in rows]


def relay(notes, bus: FakeBus) -> OutboxRelay:
    return OutboxRelay("test", notes.sessions.kw["bind"], notes.sessions, notes.backbone, bus)  # type: ignore[arg-type]


async def test_events_are_sent_once_in_order_and_deleted_once_acknowledged(notes) -> None:
    bus = FakeBus()
    outbox = relay(notes, bus)
    await add_events(notes, "e1", "e2", "e3")
    assert await outbox.publish_batch() == 3
    await add_events(notes, "e4")
    assert await outbox.publish_batch() == 1
    assert await outbox.publish_batch() == 0
    assert bus.sent == ["e1", "e2", "e3", "e4"]
    assert await in_outbox(notes) == []


async def test_new_events_after_the_outbox_was_emptied_are_sent_though_their_seq_starts_again(notes) -> None:
    bus = FakeBus()
    outbox = relay(notes, bus)
    await add_events(notes, "e1", "e2")
    assert await outbox.publish_batch() == 2
    assert await in_outbox(notes) == []
    await add_events(notes, "e3")
    assert await outbox.publish_batch() == 1
    assert bus.sent == ["e1", "e2", "e3"]


async def test_a_refused_event_stays_counted_and_is_sent_again_while_the_others_are_deleted(notes) -> None:
    bus = FakeBus()
    outbox = relay(notes, bus)
    await add_events(notes, "e1", "e2", "e3")
    bus.refuse = {"e2"}
    assert await outbox.publish_batch() == 3
    assert await in_outbox(notes) == [("e2", 1)]
    bus.refuse = set()
    assert await outbox.publish_batch() == 1
    assert await outbox.publish_batch() == 0
    assert bus.sent == ["e1", "e3", "e2"] and await in_outbox(notes) == []



async def test_a_crash_between_publish_and_delete_leaves_the_rows_to_be_sent_again(notes) -> None:
    bus = FakeBus()
    outbox = relay(notes, bus)
    await add_events(notes, "e1", "e2")

    async def crash(*_: Any) -> None:
        raise ConnectionError("gone before the delete")

    outbox._settle = crash  # type: ignore[method-assign]
    try:
        await outbox.publish_batch()
    except ConnectionError:
        pass
    assert await in_outbox(notes) == [("e1", 0), ("e2", 0)]
    again = relay(notes, bus)
    assert await again.publish_batch() == 2
    assert bus.sent == ["e1", "e2", "e1", "e2"] and await in_outbox(notes) == []
