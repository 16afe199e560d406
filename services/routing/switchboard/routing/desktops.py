"""The agents' desktop feeds of this process: woken by the commits that changed their agents, and
read together, one transaction per round for every feed that has news.

A feed (`GET /v1/agents/{id}/stream`) sends the agent's state and tasks whenever they change.
Each feed reading the database on its own timer made hundreds of small transactions a second
on a busy floor (two a second per agent), all in the queue for the connection the routing
decisions need, and an offer still reached the desktop up to a whole interval after its commit.
Now a flow that offers to, withdraws from or changes an agent rings the bell for that agent once
its transaction commits (never before: the read must find the committed rows); a feed's own
timer only rings for itself (changes committed elsewhere: another replica, a supervisor's
edit). One reader per tenant takes every agent rung since its last round and reads them all in
one transaction; rings during a round wait for the next one.

On SQLite the rounds read on a connection of their own, in a deferred transaction (a WAL
snapshot, in one worker-thread hop): they never take the write lock nor a turn on the service's
one connection, where they queued with the decisions (the round with 200 feeds reads hundreds of
held tasks). The snapshot begins after the commit that rang, so it holds that commit.

Most reads find nothing new: every feed's timer asks twice a second (`poll`). Polls are gathered
for `POLL_GATHER_SECONDS` into one round (200 feeds made hundreds of small rounds a second, each a
transaction of its own), while a ring from a commit is read at once. A round reads the rows only
(no ORM instances, not even read through their column types) and renders an agent again only
when its rows differ from the last round's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.uow import UnitOfWork
from switchboard.routing.repository import DESKTOP_TASK_AGENT, RoutingRepository

log = logging.getLogger(__name__)

POLL_GATHER_SECONDS = 0.1  # a change committed elsewhere waits this much more, at most

# the agent's row and the rows of the tasks it holds (DesktopAgent, DesktopTask) -> the snapshot a feed sends
Render = Callable[[Any, list[Any]], str]
Read = Callable[[tuple[Any, ...]], Any]  # a row as the driver gave it, read
# the rows as the driver gave them, and their snapshot
Rendered = tuple[tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]], str]


class DesktopBell:
    def __init__(self) -> None:
        self._feeds: dict[tuple[str, str], set[asyncio.Queue[str | None]]] = defaultdict(set)
        self._rung: dict[str, set[str]] = defaultdict(set)
        self._polled: dict[str, set[str]] = defaultdict(set)
        self._wakes: dict[str, asyncio.Event] = {}
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._units: Callable[[], UnitOfWork] | None = None
        self._render: Render | None = None
        self._snapshots: ThreadedSqlite | None = None
        self._rendered: dict[tuple[str, str], Rendered] = {}

    def attach(self, units: Callable[[], UnitOfWork], render: Render,
               snapshots: ThreadedSqlite | None = None) -> None:
        """Where the reader reads (the service's units of work, or on SQLite `snapshots`, an
        engine whose transactions begin DEFERRED) and how it renders a snapshot."""
        self._units, self._render, self._snapshots = units, render, snapshots

    @contextmanager
    def listen(self, tenant: str, agent_id: str) -> Iterator[asyncio.Queue[str | None]]:
        """The agent's snapshots, starting with one now; None when the agent no longer exists."""
        self._loop = asyncio.get_running_loop()
        feed: asyncio.Queue[str | None] = asyncio.Queue()
        self._feeds[(tenant, agent_id)].add(feed)
        if tenant not in self._readers:
            self._wakes[tenant] = asyncio.Event()
            self._readers[tenant] = asyncio.create_task(self._read(tenant), name=f"desktops-{tenant}")
        self._wake(tenant, [agent_id])
        try:
            yield feed
        finally:
            self._feeds[(tenant, agent_id)].discard(feed)
            if not self._feeds[(tenant, agent_id)]:
                del self._feeds[(tenant, agent_id)]
                self._rendered.pop((tenant, agent_id), None)
            self._wakes[tenant].set()  # the reader ends once its tenant has no feed left

    def listened(self, tenant: str, agent_id: str) -> bool:
        """Whether a desktop feed of this process is open for the agent."""
        return (tenant, agent_id) in self._feeds

    def ring(self, tenant: str, agent_ids: Iterable[str]) -> None:
        """Safe from any thread: a batch commits in a worker thread (SQLite's thread hop)."""
        loop, agents = self._loop, list(agent_ids)
        if loop is None or not agents:
            return  # no feed was ever opened in this process
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(tenant, agents)
            return
        try:
            loop.call_soon_threadsafe(self._wake, tenant, agents)
        except RuntimeError:
            pass  # the loop is closed: the service is stopping

    def poll(self, tenant: str, agent_id: str) -> None:
        """A feed's timer: read the agent again in the next gathered round (on the event loop)."""
        polled = self._polled[tenant]
        if not polled:
            asyncio.get_running_loop().call_later(POLL_GATHER_SECONDS, self._gathered, tenant)
        polled.add(agent_id)

    def _gathered(self, tenant: str) -> None:
        polled, self._polled[tenant] = self._polled[tenant], set()
        self._wake(tenant, list(polled))

    def _wake(self, tenant: str, agent_ids: list[str]) -> None:
        listened = [a for a in agent_ids if (tenant, a) in self._feeds]
        if listened and tenant in self._wakes:
            self._rung[tenant].update(listened)
            self._wakes[tenant].set()

    async def _read(self, tenant: str) -> None:
        wake = self._wakes[tenant]
        try:
            while any(key[0] == tenant for key in self._feeds):
                await wake.wait()
                wake.clear()
                rung, self._rung[tenant] = self._rung[tenant], set()
                if rung:
                    try:
                        await self._read_round(tenant, rung)
                    except Exception:  # the feeds' timers ring again
                        log.exception("desktop feeds: read failed")
                        await asyncio.sleep(0.5)
        finally:
            del self._readers[tenant], self._wakes[tenant]
            self._rung.pop(tenant, None)
            self._polled.pop(tenant, None)

    async def _read_round(self, tenant: str, agent_ids: set[str]) -> None:
        if self._units is None or self._render is None:
            raise RuntimeError("DesktopBell used before attach()")
        if self._snapshots is not None:
            def render(session: Any) -> Coroutine[Any, Any, dict[str, str | None]]:
                return self._render_agents(session, tenant, agent_ids)

            snapshots = await asyncio.to_thread(self._snapshots.tenant_transaction, tenant, render)
        else:
            async with self._units() as uow:
                uow.scope_to(tenant)
                snapshots = await self._render_agents(uow.session, tenant, agent_ids)
        for agent_id, snapshot in snapshots.items():
            for feed in self._feeds.get((tenant, agent_id), ()):
                feed.put_nowait(snapshot)

    async def _render_agents(self, session: Any, tenant: str, agent_ids: set[str]) -> dict[str, str | None]:
        """agent id -> its snapshot (None: no such agent), from the agents and their held tasks;
        the last round's snapshot again when the agent's rows are the same, compared as the
        driver gave them (most rounds find most rows unchanged: reading each row's dates and JSON
        again was most of a round's cost)."""
        repo = RoutingRepository(session)
        agents, read_agent = await repo.desktop_agents(tenant, agent_ids)
        tasks, read_task = await repo.tasks_of_agents(tenant, agent_ids)
        held: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for task in tasks:
            held[task[DESKTOP_TASK_AGENT]].append(task)
        snapshots: dict[str, str | None] = dict.fromkeys(agent_ids)
        for agent in agents:
            snapshots[agent[0]] = self._rendered_again(tenant, agent, held[agent[0]], read_agent, read_task)
        return snapshots

    def _rendered_again(self, tenant: str, agent: tuple[Any, ...], held: list[tuple[Any, ...]],
                        read_agent: Read, read_task: Read) -> str:
        assert self._render is not None
        rows = (agent, tuple(held))
        key = (tenant, agent[0])
        last = self._rendered.get(key)
        if last is not None and last[0] == rows:
            return last[1]
        snapshot = self._render(read_agent(agent), [read_task(task) for task in held])
        if key in self._feeds:
            self._rendered[key] = (rows, snapshot)
        return snapshot
