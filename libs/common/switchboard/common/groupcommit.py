"""Group commit: the writes of many concurrent requests made durable by one transaction.

A request submits its work and waits. One writer task takes every piece of work
waiting (up to `max_batch`), writes them all in one unit of work through the
service's `write` function, commits once, and only then answers each request
with its own outcome. The write lock and the fsync are paid once per batch
instead of once per request, and batches size themselves to the load: whatever
arrived while one commit was being made goes into the next, so a lone request
waits for nothing but its own commit.

What a caller can rely on:

- a result comes back only after the transaction holding the member's writes
  has committed;
- `write` answers each member with a result or an exception, in order; a member
  answered with an exception must have written nothing, and its caller gets that
  exception while the rest of the batch commits;
- when the batch as a whole fails (`write` raises, or the commit does), every
  member is tried again alone, in a transaction of its own, and a member that
  fails alone gets its error. Nobody is answered for writes that did not commit.
  Because a lost connection can leave a COMMIT's outcome unknown, the work must
  be idempotent under that retry (ingest's is: it de-duplicates on the
  provider's message id).

With `in_thread` (SQLite: `ThreadedSqlite.run`), a batch's whole transaction
runs in one worker-thread hop instead of one event-loop round trip per
statement; the unit of work must then be one on that thread's sessions.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from prometheus_client import Histogram

from switchboard.common.uow import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = Histogram(
    "sb_group_commit_batch_size", "Members committed together in one transaction", ["writer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
)

Work = TypeVar("Work")
Result = TypeVar("Result")
T = TypeVar("T")
InThread = Callable[[Callable[[], Coroutine[Any, Any, T]]], Awaitable[T]]


class WriterStopped(Exception):
    """The writer stopped before this member's batch committed: nothing was stored for it."""


@dataclass
class _Member(Generic[Work, Result]):
    work: Work
    answer: asyncio.Future[Result]


class GroupCommit(Generic[Work, Result]):
    def __init__(
        self,
        name: str,
        unit_of_work: Callable[[], UnitOfWork],
        write: Callable[[UnitOfWork, Sequence[Work]], Awaitable[list[Result | Exception]]],
        *,
        max_batch: int = 512,
        on_commit: Callable[[], None] | None = None,
        in_thread: InThread[list[Result | Exception]] | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.name = name
        self._unit_of_work = unit_of_work
        self._write = write
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._in_thread = in_thread
        self._waiting: list[_Member[Work, Result]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def submit(self, work: Work) -> Result:
        """Write `work` with whatever else is waiting; return its result once committed."""
        self._ensure_running()
        member: _Member[Work, Result] = _Member(work, asyncio.get_running_loop().create_future())
        self._waiting.append(member)
        self._wake.set()
        return await member.answer

    def _ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._wake = asyncio.Event()  # an Event belongs to the loop that first waits on it
            # A context of its own: not that of the request that happened to start it (its ids).
            self._task = loop.create_task(self._run(), name=f"{self.name}-group-commit",
                                          context=contextvars.Context())

    async def stop(self) -> None:
        """Stop the writer; members not yet committed are answered with `WriterStopped`."""
        task, self._task = self._task, None
        if task is not None and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        waiting, self._waiting = self._waiting, []
        _fail(waiting, WriterStopped("the service is stopping; the request was not stored"))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                try:
                    await self._commit(batch)
                except asyncio.CancelledError:
                    _fail(batch, WriterStopped("the service is stopping; the request was not stored"))
                    raise
                # Let whoever waits for a connection (the outbox relay, a reader) have it before the
                # next batch takes it again: on SQLite's single connection the writer would starve them.
                await asyncio.sleep(0)

    async def _commit(self, batch: list[_Member[Work, Result]]) -> None:
        try:
            outcomes = await self._write_and_commit([member.work for member in batch])
        except Exception as exc:  # noqa: BLE001 - every member is answered, none is lost
            if len(batch) == 1:
                _fail(batch, exc)
                return
            log.warning("group commit failed; its members are retried one by one",
                        extra={"fields": {"writer": self.name, "members": len(batch),
                                          "error": type(exc).__name__}})
            for member in batch:
                await self._commit([member])
            return
        BATCH_SIZE.labels(self.name).observe(len(batch))
        for member, outcome in zip(batch, outcomes, strict=True):
            if member.answer.done():  # the caller went away; its writes stand
                continue
            if isinstance(outcome, Exception):
                member.answer.set_exception(outcome)
            else:
                member.answer.set_result(outcome)

    async def _write_and_commit(self, works: list[Work]) -> list[Result | Exception]:
        if self._in_thread is None:
            outcomes = await self._transaction(works)
        else:
            outcomes = await self._in_thread(lambda: self._transaction(works))
        if self._on_commit is not None:
            self._on_commit()  # on the event loop: the relay's wake is not thread-safe
        return outcomes

    async def _transaction(self, works: list[Work]) -> list[Result | Exception]:
        async with self._unit_of_work() as uow:
            outcomes = await self._write(uow, works)
            if len(outcomes) != len(works):
                raise RuntimeError(f"{self.name}: {len(outcomes)} outcomes for {len(works)} members")
            await uow.commit()
        return outcomes


def _fail(members: Sequence[_Member[Work, Result]], error: Exception) -> None:
    for member in members:
        if not member.answer.done():
            member.answer.set_exception(error)
