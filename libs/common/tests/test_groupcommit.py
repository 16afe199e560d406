"""Group commit: concurrent work committed in one transaction, each caller answered only once durable."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from switchboard.common.groupcommit import GroupCommit, WriterStopped
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.tracing import correlation_id_var
from switchboard.common.uow import UnitOfWork


class NoteWriter:
    """A service's batch write: one note per member; a member named "refused" is answered with an
    error and writes nothing; "orphan" writes a row whose deferred foreign key fails the COMMIT."""

    def __init__(self, notes) -> None:
        self.notes = notes
        self.batches: list[list[str]] = []
        self.connected: list[str] = []  # who held the connection, in turn (a batch by its first)
        self.release = asyncio.Event()
        self.release.set()

    async def __call__(self, uow: UnitOfWork, names: Sequence[str]) -> list[str | Exception]:
        self.batches.append(list(names))
        await uow.session.connection()
        self.connected.append(names[0])
        await self.release.wait()
        outcomes: list[str | Exception] = []
        for name in names:
            if name == "refused":
                outcomes.append(ValueError("refused"))
                continue
            uow.session.add(self.notes.Note(id=name, tenant_id="acme", text=name))
            if name == "orphan":
                await uow.session.execute(text("INSERT INTO note_links (note_id) VALUES ('nowhere')"))
            outcomes.append(f"stored {name}")
        await uow.session.flush()
        return outcomes


@pytest.fixture
async def writer(notes) -> NoteWriter:
    async with notes.sessions() as session:  # a constraint SQLite checks only at COMMIT
        await session.execute(text(
            "CREATE TABLE note_links (note_id VARCHAR(36) REFERENCES notes (id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        ))
        await session.commit()
    return NoteWriter(notes)


def group(notes, writer: NoteWriter, **options) -> GroupCommit[str, str]:
    return GroupCommit("notes", lambda: UnitOfWork(notes.sessions, notes.backbone, "test"), writer, **options)


async def stored(notes) -> set[str]:
    async with notes.sessions() as session:
        return set((await session.scalars(text("SELECT id FROM notes"))).all())


async def test_work_submitted_together_is_committed_in_one_transaction_and_each_gets_its_result(
    notes, writer
) -> None:
    commits = group(notes, writer)
    results = await asyncio.gather(*(commits.submit(f"n{i}") for i in range(10)))
    assert results == [f"stored n{i}" for i in range(10)]
    assert writer.batches == [[f"n{i}" for i in range(10)]]
    assert await stored(notes) == {f"n{i}" for i in range(10)}
    await commits.stop()


async def test_a_result_is_given_only_after_its_batch_committed(notes, writer) -> None:
    commits = group(notes, writer)
    result = await commits.submit("n1")
    assert result == "stored n1"
    assert await stored(notes) == {"n1"}  # visible to any other connection already
    await commits.stop()


async def test_work_arriving_during_a_commit_goes_into_the_next_batch(notes, writer) -> None:
    commits = group(notes, writer)
    writer.release.clear()
    first = asyncio.create_task(commits.submit("first"))
    while not writer.batches:
        await asyncio.sleep(0)
    later = [asyncio.create_task(commits.submit(f"later{i}")) for i in range(3)]
    await asyncio.sleep(0)
    writer.release.set()
    await asyncio.gather(first, *later)
    assert writer.batches == [["first"], ["later0", "later1", "later2"]]
    await commits.stop()


async def test_batches_are_no_larger_than_the_limit(notes, writer) -> None:
    commits = group(notes, writer, max_batch=4)
    await asyncio.gather(*(commits.submit(f"n{i}") for i in range(10)))
    assert [len(batch) for batch in writer.batches] == [4, 4, 2]
    await commits.stop()


async def test_a_refused_member_gets_its_error_and_the_rest_of_the_batch_commits(notes, writer) -> None:
    commits = group(notes, writer)
    results = await asyncio.gather(commits.submit("n1"), commits.submit("refused"), commits.submit("n2"),
                                   return_exceptions=True)
    assert results[0] == "stored n1" and results[2] == "stored n2"
    assert isinstance(results[1], ValueError)
    assert writer.batches == [["n1", "refused", "n2"]]
    assert await stored(notes) == {"n1", "n2"}
    await commits.stop()


async def test_a_failed_commit_answers_no_one_as_stored_and_retries_each_member_alone(notes, writer) -> None:
    commits = group(notes, writer)
    results = await asyncio.gather(commits.submit("n1"), commits.submit("orphan"), commits.submit("n2"),
                                   return_exceptions=True)
    assert isinstance(results[1], IntegrityError)  # its own commit failed too: an error, not a result
    assert results[0] == "stored n1" and results[2] == "stored n2"
    assert writer.batches == [["n1", "orphan", "n2"], ["n1"], ["orphan"], ["n2"]]
    assert await stored(notes) == {"n1", "n2"}
    await commits.stop()


async def test_stopping_mid_batch_answers_its_members_with_writer_stopped_and_commits_nothing(
    notes, writer
) -> None:
    commits = group(notes, writer)
    writer.release.clear()
    waiting = [asyncio.create_task(commits.submit(f"n{i}")) for i in range(3)]
    while not writer.batches:
        await asyncio.sleep(0)
    await commits.stop()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, WriterStopped) for result in results)
    assert await stored(notes) == set()


async def test_the_commit_hook_runs_once_per_committed_batch(notes, writer) -> None:
    wakeups: list[int] = []
    commits = group(notes, writer, on_commit=lambda: wakeups.append(1))
    await asyncio.gather(*(commits.submit(f"n{i}") for i in range(5)))
    assert len(wakeups) == len(writer.batches) == 1
    await commits.stop()



async def test_a_connection_waiter_gets_the_connection_between_two_batches(notes, writer) -> None:
    """SQLite keeps one connection per process: the outbox relay waiting for it must not be starved
    by a writer that always has another batch ready."""
    commits = group(notes, writer)
    writer.release.clear()
    first = asyncio.create_task(commits.submit("first"))
    while not writer.connected:  # the writer holds the only connection for its first batch
        await asyncio.sleep(0)

    async def relay_pass() -> None:
        async with notes.sessions() as session:
            await session.execute(text("SELECT 1"))
            writer.connected.append("relay")

    relay = asyncio.create_task(relay_pass())
    second = asyncio.create_task(commits.submit("second"))  # waiting before the first batch ends
    await asyncio.sleep(0)
    writer.release.set()
    await asyncio.gather(first, second, relay)
    assert writer.connected == ["first", "relay", "second"]


async def test_the_writer_does_not_run_in_the_context_of_the_request_that_started_it(notes) -> None:
    seen: list[str | None] = []

    async def write(uow: UnitOfWork, names: Sequence[str]) -> list[str | Exception]:
        seen.append(correlation_id_var.get())
        return list(names)

    commits = GroupCommit("notes", lambda: UnitOfWork(notes.sessions, notes.backbone, "test"), write)
    correlation_id_var.set("first-request")
    assert await commits.submit("n1") == "n1"
    assert seen == [None]
    await commits.stop()


async def test_in_a_worker_thread_a_batch_commits_there_and_the_relay_is_woken_on_the_loop(
    notes, tmp_path: Path
) -> None:
    threaded = ThreadedSqlite(f"sqlite:///{tmp_path}/notes.db", hold=notes.sessions.kw["bind"])
    threads: list[int] = []
    woken: list[asyncio.AbstractEventLoop] = []

    async def write(uow: UnitOfWork, names: Sequence[str]) -> list[str | Exception]:
        threads.append(threading.get_ident())
        outcomes: list[str | Exception] = []
        for name in names:
            if name == "refused":
                outcomes.append(ValueError("refused"))
                continue
            uow.session.add(notes.Note(id=name, tenant_id="acme", text=name))
            outcomes.append(f"stored {name}")
        await uow.session.flush()
        return outcomes

    commits = GroupCommit("notes", lambda: UnitOfWork(threaded.sessions, notes.backbone, "test"), write,
                          in_thread=threaded.run, on_commit=lambda: woken.append(asyncio.get_running_loop()))
    results = await asyncio.gather(*(commits.submit(name) for name in ("n1", "refused", "n2")),
                                   return_exceptions=True)
    assert results[0::2] == ["stored n1", "stored n2"] and isinstance(results[1], ValueError)
    assert threads and threading.get_ident() not in threads
    assert woken == [asyncio.get_running_loop()]
    assert await stored(notes) == {"n1", "n2"}
    await commits.stop()
    threaded.close()
