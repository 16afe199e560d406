"""A reads-first batch reads on a snapshot and holds the write lock for its writes only,
and runs again under the lock whenever what it read may have changed meanwhile."""

import asyncio
import concurrent.futures
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Column, MetaData, String, Table, TypeDecorator, func, insert, select, update

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer, HandlerMap
from switchboard.common.events.base import Envelope, make_envelope
from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.sqlite_thread import ThreadedSqlite, execute_many
from switchboard.common.streams import BusPolicy
from switchboard.common.uow import UnitOfWork


def incoming(conversation: str) -> Envelope:
    event = ConversationClosed(conversation_id=conversation, channel="sms", reason="agent",
                               closed_at=datetime.now(UTC))
    return make_envelope(event, tenant="acme", source="ingest", subject=conversation,
                         correlation_id=f"corr-{conversation}")


def planned(outcome: str) -> float:
    return REGISTRY.get_sample_value("sb_batches_planned_total",
                                     {"service": "qa", "outcome": outcome}) or 0.0


@pytest.fixture
def threaded(notes, tmp_path: Path) -> Iterator[ThreadedSqlite]:
    threaded = ThreadedSqlite(f"sqlite:///{tmp_path}/notes.db", hold=notes.sessions.kw["bind"])
    yield threaded
    threaded.close()


def consumer_for(notes, threaded: ThreadedSqlite, handler, *, reads_first: bool = True) -> EventConsumer:
    bus = Bus("nats://127.0.0.1:1", "qa", BusPolicy(), [])  # never started: handle_batch() needs no bus
    handlers = HandlerMap().on_batch(ConversationClosed, handler, reads_first=reads_first)
    return EventConsumer("qa", bus, notes.sessions, notes.backbone, handlers, max_deliver=3,
                         batches_in_thread=threaded)


def counting(notes, calls: list[int], meanwhile: Callable[[], None] | None = None):
    """Each note's text says how many notes there were when the batch read them, so a plan
    made on a stale read would show in the text."""
    table = notes.Note.__table__

    async def on_closed(events: list[tuple[ConversationClosed, Envelope]], uow: UnitOfWork) -> None:
        before = await uow.session.scalar(select(func.count()).select_from(table))
        calls.append(before)
        if meanwhile is not None and len(calls) == 1:
            meanwhile()  # another writer commits between the read and the batch's writes
        await uow.session.execute(insert(table), [
            {"id": envelope.id, "tenant_id": envelope.tenant, "text": f"{event.conversation_id}:{before}"}
            for event, envelope in events])
        await uow.emit_all([(event, event.conversation_id) for event, _ in events],
                           tenant="acme", causes=[envelope for _, envelope in events])
    return on_closed


async def texts(notes) -> list[str]:
    async with notes.sessions() as session:
        return sorted(note.text for note in await session.scalars(select(notes.Note)))


async def test_a_reads_first_batch_commits_its_writes_inbox_and_outbox_as_planned(notes, threaded) -> None:
    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(notes, calls))
    committed = planned("committed")
    assert await events.handle_batch([incoming("c1"), incoming("c2")]) == [True, True]
    assert await events.handle_batch([incoming("c3")]) == [True]
    assert calls == [0, 2]
    assert await texts(notes) == ["c1:0", "c2:0", "c3:2"]
    assert await notes.count(notes.backbone.inbox) == 3
    assert len(await notes.outbox_rows()) == 3
    assert planned("committed") - committed == 2


async def test_a_commit_by_another_connection_after_the_read_makes_the_batch_run_under_the_lock(
    notes, threaded, tmp_path: Path
) -> None:
    def another_writer() -> None:
        with sqlite3.connect(tmp_path / "notes.db") as db:
            db.execute("INSERT INTO notes (id, tenant_id, text) VALUES ('x', 'acme', 'interloper')")

    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(notes, calls, another_writer))
    conflicts = planned("conflict")
    assert await events.handle_batch([incoming("c1")]) == [True]
    assert calls == [0, 1]  # planned on 0 notes, then read again under the lock
    assert await texts(notes) == ["c1:1", "interloper"]
    assert planned("conflict") - conflicts == 1
    assert await notes.count(notes.backbone.inbox) == 1
    assert len(await notes.outbox_rows()) == 1


async def test_a_write_on_the_batch_writer_meanwhile_does_not_make_the_batch_start_over(
    notes, threaded
) -> None:
    events: EventConsumer

    def an_access_record() -> None:  # a write the batch does not read, on the writer's connection
        assert events.batch_writer is not None
        with events.batch_writer.connection() as connection:
            connection.execute(insert(notes.backbone.inbox).values(
                consumer="audit", event_id="e-1", event_type="t", processed_at=datetime.now(UTC)))
            connection.commit()

    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(notes, calls, an_access_record))
    committed = planned("committed")
    assert await events.handle_batch([incoming("c1")]) == [True]
    assert calls == [0]
    assert planned("committed") - committed == 1
    assert await notes.count(notes.backbone.inbox) == 2


async def test_a_handler_that_needs_the_lock_early_runs_under_it(notes, threaded) -> None:
    calls: list[str] = []

    async def with_orm(events: list[tuple[ConversationClosed, Envelope]], uow: UnitOfWork) -> None:
        calls.append("called")
        for event, envelope in events:
            uow.session.add(notes.Note(id=envelope.id, tenant_id="acme", text=event.conversation_id))

    events = consumer_for(notes, threaded, with_orm)
    not_plannable = planned("not plannable")
    assert await events.handle_batch([incoming("c1")]) == [True]
    assert calls == ["called", "called"]
    assert await texts(notes) == ["c1"]
    assert planned("not plannable") - not_plannable == 1


async def test_a_redelivered_reads_first_batch_is_a_no_op(notes, threaded) -> None:
    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(notes, calls))
    batch = [incoming("c1"), incoming("c2")]
    await events.handle_batch(batch)
    assert await events.handle_batch([*batch, incoming("c3")]) == [False, False, True]
    assert calls == [0, 2]
    assert await texts(notes) == ["c1:0", "c2:0", "c3:2"]


async def test_without_reads_first_a_batch_takes_the_lock_from_the_start(notes, threaded) -> None:
    events = consumer_for(notes, threaded, counting(notes, []), reads_first=False)
    assert events.batch_writer is None
    committed = planned("committed")
    assert await events.handle_batch([incoming("c1")]) == [True]
    assert planned("committed") == committed


def updating(notes):
    """A handler whose write is an ORM UPDATE (made in a Session, under the tenant's net)."""
    async def on_closed(events: list[tuple[ConversationClosed, Envelope]], uow: UnitOfWork) -> None:
        await uow.session.execute(update(notes.Note).values(text="seen"))
    return on_closed


@pytest.mark.parametrize("writes", ["core rows, on the driver", "an ORM update, in a session"])
async def test_the_batch_checks_for_other_commits_once_it_holds_the_write_lock(
    notes, threaded, writes: str
) -> None:
    handler = counting(notes, []) if writes.startswith("core") else updating(notes)
    events = consumer_for(notes, threaded, handler)
    assert events.batch_writer is not None
    traced: list[str] = []
    with events.batch_writer.connection() as connection:
        connection.connection.dbapi_connection.set_trace_callback(traced.append)  # type: ignore[union-attr]
    assert await events.handle_batch([incoming("c1")]) == [True]
    begin = traced.index("BEGIN IMMEDIATE")
    # read once before the snapshot, and once more under the lock, before the writes
    assert traced.count("PRAGMA data_version") == 2
    assert traced.index("PRAGMA data_version", begin) < next(
        n for n, sql in enumerate(traced) if sql.startswith(("INSERT", "UPDATE")))
    assert traced[-1] == "COMMIT"


async def test_single_event_batches_keep_the_wal_short_with_a_checkpoint_every_few_batches(
    notes, threaded, tmp_path: Path
) -> None:
    events = consumer_for(notes, threaded, counting(notes, []))
    batches = 300
    for n in range(batches):
        assert await events.handle_batch([incoming(f"c{n}")]) == [True]
    checkpoints = events._checkpoints  # how many ran is not otherwise observable
    assert checkpoints is not None
    assert 2 <= checkpoints.runs < batches / 4
    # the WAL file is never truncated: its size is the most frames it ever held (SQLite's own
    # checkpoint would have let it reach 1,000)
    page = 4096
    assert (tmp_path / "notes.db-wal").stat().st_size <= 32 + 400 * (page + 24)
    assert await notes.count(notes.backbone.inbox) == batches


async def test_a_write_on_the_services_async_connection_waits_for_the_batch_instead_of_making_it_start_over(
    notes, threaded
) -> None:
    """The outbox relay and the endpoints write on the service's async connection, which a batch
    holds from its snapshot to its commit: their commits land after it, not in between."""
    loop = asyncio.get_running_loop()
    pending: list[concurrent.futures.Future[None]] = []

    async def like_the_relay() -> None:
        async with notes.sessions() as session:
            await session.execute(insert(notes.Note.__table__).values(id="x", tenant_id="acme", text="later"))
            await session.commit()

    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(
        notes, calls, lambda: pending.append(asyncio.run_coroutine_threadsafe(like_the_relay(), loop))))
    conflicts, committed = planned("conflict"), planned("committed")
    assert await events.handle_batch([incoming("c1")]) == [True]
    await asyncio.wrap_future(pending[0])
    assert calls == [0]  # planned once, committed as planned
    assert (planned("conflict") - conflicts, planned("committed") - committed) == (0, 1)
    assert await texts(notes) == ["c1:0", "later"]


async def test_the_next_batch_plans_while_the_checkpoint_runs_and_commits_after_it(
    notes, threaded
) -> None:
    """The passive checkpoint runs beside the next batch's reads and work (at a million customers
    it was a third of every fetch's time when each batch waited for it), and the commit waits
    for its end, so that SQLite can start the WAL over from its beginning."""
    calls: list[int] = []
    events = consumer_for(notes, threaded, counting(notes, calls))
    checkpoints = events._checkpoints
    assert checkpoints is not None
    started, release = threading.Event(), threading.Event()
    runs: list[str] = []

    def slow_checkpoint() -> None:
        started.set()
        release.wait(10)
        runs.append("done")

    checkpoints.run = slow_checkpoint  # type: ignore[method-assign]
    try:
        # nothing is known of the WAL yet, so the first batch makes a checkpoint due
        assert await asyncio.wait_for(events.handle_batch([incoming("c1")]), 5) == [True]
        assert await asyncio.to_thread(started.wait, 5)
        second = asyncio.create_task(events.handle_batch([incoming("c2")]))
        for _ in range(500):
            if len(calls) == 2 or second.done():
                break
            await asyncio.sleep(0.01)
        assert calls == [0, 1]  # planned while the checkpoint ran...
        assert not second.done()  # ...and not committed before it ended
        assert runs == []
    finally:
        release.set()
    assert await asyncio.wait_for(second, 5) == [True]
    await events.stop()  # waits for the checkpoint the second batch made due
    assert runs == ["done", "done"]
    assert await texts(notes) == ["c1:0", "c2:1"]


async def test_a_checkpoint_cancelled_before_its_thread_began_does_not_hold_back_the_next_commit(
    notes, threaded
) -> None:
    events = consumer_for(notes, threaded, counting(notes, []))
    assert await events.handle_batch([incoming("c1")]) == [True]  # makes a checkpoint due
    checkpointing = events._checkpointing
    assert checkpointing is not None and not checkpointing.done()
    checkpointing.cancel()  # its thread has not begun: nothing awaited since it was made
    try:
        assert await asyncio.wait_for(events.handle_batch([incoming("c2")]), 5) == [True]
    finally:
        events._checkpointed.set()  # on failure, free the worker thread waiting in the commit
    assert await texts(notes) == ["c1:0", "c2:1"]


async def test_the_batch_writers_commits_leave_the_wal_to_the_consumers_checkpoints(
    notes, threaded, tmp_path: Path
) -> None:
    """No commit on the writer (a batch's, a screen pop's access record) copies the WAL into the
    database under the write lock when it reaches SQLite's default 1,000 frames."""
    events = consumer_for(notes, threaded, counting(notes, []))
    assert events.batch_writer is not None
    with events.batch_writer.connection() as connection:
        raw = connection.connection.dbapi_connection
        assert raw is not None
        raw.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB)")
        for _ in range(3):  # each commit adds about 400 pages to the WAL
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany("INSERT INTO filler (body) VALUES (?)", [(bytes(3000),)] * 400)
            raw.execute("COMMIT")
    # the rows are in the WAL only: a checkpoint made by a commit would have copied them
    assert (tmp_path / "notes.db").stat().st_size < 1_000_000
    assert (tmp_path / "notes.db-wal").stat().st_size > 1_200 * 4096


async def test_the_rows_values_are_made_on_the_snapshot_not_under_the_write_lock(
    notes, threaded, tmp_path: Path
) -> None:
    """Each row's values (the column types' bind processors) are worked out in the first step: the
    writer's connection, which a screen pop's access record waits for, holds only the driver's work."""
    events: EventConsumer
    held: list[bool] = []

    class Watched(TypeDecorator[str]):
        impl = String
        cache_ok = True

        def process_bind_param(self, value: str | None, dialect: object) -> str | None:
            assert events.batch_writer is not None
            held.append(events.batch_writer._lock.locked())
            return value

    marks = Table("marks", MetaData(), Column("id", String, primary_key=True), Column("text", Watched()))
    with sqlite3.connect(tmp_path / "notes.db") as db:
        db.execute("CREATE TABLE marks (id VARCHAR PRIMARY KEY, text VARCHAR)")

    async def marking(batch: list[tuple[ConversationClosed, Envelope]], uow: UnitOfWork) -> None:
        await execute_many(uow.session, insert(marks), [
            {"id": envelope.id, "text": event.conversation_id} for event, envelope in batch])

    events = consumer_for(notes, threaded, marking)
    committed = planned("committed")
    assert await events.handle_batch([incoming("c1"), incoming("c2")]) == [True, True]
    assert planned("committed") - committed == 1
    assert held == [False, False]
    with sqlite3.connect(tmp_path / "notes.db") as db:
        assert sorted(text for (text,) in db.execute("SELECT text FROM marks")) == ["c1", "c2"]
