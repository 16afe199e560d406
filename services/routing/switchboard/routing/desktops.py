"""Wakes agents' desktop feeds when a commit of this process changed what they show.

A feed (`GET /v1/agents/{id}/stream`) reads the agent's state and tasks from the database
and sends them when they change. Without a wake-up it reads on a timer, so an offer reached
the desktop up to a whole interval after its commit. Flows that offer, withdraw or change
an agent's state ring the bell for that agent once their transaction commits (never before:
the feed must find the committed rows). The timer stays as the fallback for changes this
process did not commit (another replica, a supervisor's edit).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class DesktopBell:
    def __init__(self) -> None:
        self._listeners: dict[tuple[str, str], set[asyncio.Event]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    @contextmanager
    def listen(self, tenant: str, agent_id: str) -> Iterator[asyncio.Event]:
        """An event set whenever the agent's desktop has something new (clear it before reading)."""
        self._loop = asyncio.get_running_loop()
        event, key = asyncio.Event(), (tenant, agent_id)
        self._listeners[key].add(event)
        try:
            yield event
        finally:
            self._listeners[key].discard(event)
            if not self._listeners[key]:
                del self._listeners[key]

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

    def _wake(self, tenant: str, agent_ids: list[str]) -> None:
        for agent_id in agent_ids:
            for event in self._listeners.get((tenant, agent_id), ()):
                event.set()
