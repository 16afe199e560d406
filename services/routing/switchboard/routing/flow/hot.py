"""The decision pass's inputs kept in memory between passes: the hot state of each tenant.

A pass needs every signed-in agent, every waiting task and every task an agent holds, and
the queues and rules. Read from the database each time, that was most of a pass's cost (the
agents as ORM instances, two JSON columns each; the loads; the waiting tasks), and every
event paid it. Here a process keeps, per tenant, those rows as they were committed, and a
pass reads them from memory.

Whether the memory is current is decided by the database, not by this process: triggers
move `tenant_routing.generation` on with every change of the tenant's agents, tasks, queues
or rules, whoever makes it (`generation_triggers.py`). A flow reads the generation as it
takes the tenant's routing lock, before it writes anything, and holds the tenant's routing
row until it commits (on SQLite the write lock does; on PostgreSQL `FOR UPDATE`), so no one
else's change can land meanwhile. If the memory was built at that generation, it is the
committed state and the flow's passes use it, with the flow's own changes so far (captured
at each flush, `generations.py`) laid over it; otherwise (another replica wrote, a script,
or the memory is older than `max_age`) the pass reads the rows again, as before.

The memory changes only after a commit: the commit's captured rows laid over what the flow
read, at the generation the flow read again just before committing. A transaction that
wrote without reading the generation first (an admin's edit) drops the memory, and so does
a savepoint rolled back; a rollback changes nothing. So nothing is ever decided on state
that was not committed, and a replica that dies loses nothing: the next pass, on any
replica, starts from the database.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session

from switchboard.routing.models import Agent, Queue, RoutingRule, Task
from switchboard.routing.repository import HOLDING_STATUSES

STATE_READS = Counter("sb_routing_state_reads", "Decision passes that read the tenant's agents and tasks "
                      "from the database (the memory was not current)")

# Tasks a pass looks at: waiting for an agent, or counting against one's capacity.
WAITING_STATUSES = ("queued", "message")
HOT_STATUSES = (*WAITING_STATUSES, *HOLDING_STATUSES)


@dataclass(frozen=True, slots=True)
class AgentRow:
    """A signed-in agent as a pass reads it (the names of `Agent`'s columns)."""

    id: str
    skills: dict[str, int]
    capacity: dict[str, int]
    voice_exclusive: bool
    blended: bool
    state: str
    reason: str | None
    state_since: datetime
    idle_since: datetime | None


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A waiting or held task as a pass reads it (the names of `Task`'s columns)."""

    id: str
    conversation_id: str
    channel: str
    status: str
    queue_id: str | None
    priority: int
    required_skills: dict[str, int]
    customer_id: str | None
    agent_id: str | None
    created_at: datetime
    message: bool


AGENT_COLUMNS = tuple(getattr(Agent, name) for name in AgentRow.__slots__)
TASK_COLUMNS = (*(getattr(Task, name) for name in TaskRow.__slots__ if name != "message"), Task.facts)


def agent_row(agent: Any) -> AgentRow | None:
    """The agent (an instance, or its row of `AGENT_COLUMNS`) as a pass reads it; None when
    signed out."""
    if agent is None or agent.state == "logged_out":
        return None
    return AgentRow(agent.id, dict(agent.skills), dict(agent.capacity), bool(agent.voice_exclusive),
                    bool(agent.blended), agent.state, agent.reason, agent.state_since, agent.idle_since)


def task_row(task: Any) -> TaskRow | None:
    """The task (an instance, or its row of `TASK_COLUMNS`) as a pass reads it; None when it
    neither waits nor counts against an agent."""
    if task is None or task.status not in HOT_STATUSES:
        return None
    return TaskRow(task.id, task.conversation_id, task.channel, task.status, task.queue_id, task.priority,
                   dict(task.required_skills), task.customer_id, task.agent_id, task.created_at,
                   (task.facts or {}).get("message_reason") is not None)


@dataclass(frozen=True)
class TenantState:
    """One tenant's committed agents, tasks, queues and rules at one generation (never changed in
    place; queues and rules are kept once a pass has read them, as transient copies)."""

    generation: int
    loaded_at: float
    agents: dict[str, AgentRow]
    tasks: dict[str, TaskRow]
    queues: dict[str, Queue] | None = None
    rules: list[RoutingRule] | None = None

    def with_changes(self, changes: Changes, generation: int) -> TenantState:
        agents, tasks = dict(self.agents), dict(self.tasks)
        _apply(agents, changes.agents)
        _apply(tasks, changes.tasks)
        queues = changes.queues if changes.queues is not None else self.queues
        rules = changes.rules if changes.rules is not None else self.rules
        if changes.config:
            queues = rules = None
        return TenantState(generation, self.loaded_at, agents, tasks, queues, rules)


@dataclass
class Changes:
    """What one transaction changed of one tenant so far: agent and task id -> row (None: gone),
    whether a queue or rule changed; and what it read of the memory or the database."""

    agents: dict[str, AgentRow | None] = field(default_factory=dict)
    tasks: dict[str, TaskRow | None] = field(default_factory=dict)
    config: bool = False  # a queue or a rule changed
    wrote: bool = False  # any of the above
    checked: bool = False  # the generation was read, as the flow took the tenant's routing lock
    unsure: bool = False  # wrote before it was read: what the flow saw was not only committed state
    seen: int | None = None  # the generation then (None: the tenant has no routing row yet)
    final: int | None = None  # the generation just before the commit
    held: TenantState | None = None  # the memory, if it was current then
    loaded: TenantState | None = None  # the agents and tasks read from the database instead
    queues: dict[str, Queue] | None = None  # the queues read from the database (copies)
    rules: list[RoutingRule] | None = None  # the rules read from the database (copies)


def _apply(rows: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, row in changes.items():
        if row is None:
            rows.pop(key, None)
        else:
            rows[key] = row


class DecisionState:
    """What one pass decides on: the memory (or the rows just read) with the transaction's own
    changes laid over it."""

    def __init__(self, base: TenantState, changes: Changes) -> None:
        self._base, self._changes = base, changes

    def agents(self) -> Iterator[AgentRow]:
        yield from _merged(self._base.agents, self._changes.agents)

    def tasks(self) -> Iterator[TaskRow]:
        yield from _merged(self._base.tasks, self._changes.tasks)

    def waiting(self) -> list[TaskRow]:
        """The tasks waiting for an agent, oldest first."""
        return sorted((t for t in self.tasks() if t.status in WAITING_STATUSES),
                      key=lambda t: t.created_at)

    def loads(self) -> dict[str, dict[str, int]]:
        """agent id -> channel -> tasks offered to or held by the agent."""
        loads: dict[str, dict[str, int]] = {}
        for task in self.tasks():
            if task.status in HOLDING_STATUSES and task.agent_id is not None:
                by_channel = loads.setdefault(task.agent_id, {})
                by_channel[task.channel] = by_channel.get(task.channel, 0) + 1
        return loads


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> Iterator[Any]:
    for key, row in base.items():
        if key not in changes:
            yield row
    for row in changes.values():
        if row is not None:
            yield row


def database_key(url: Any) -> tuple[Any, ...]:
    """One database, whichever driver reaches it (aiosqlite or sqlite3, asyncpg or psycopg)."""
    url = make_url(url)
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        database = os.path.abspath(database)
    return url.get_backend_name(), url.host, url.port, database


def _database_of(bind: Engine | Connection) -> tuple[Any, ...]:
    return database_key((bind.engine if isinstance(bind, Connection) else bind).url)


class HotStates:
    """The hot state of every tenant of one database, in this process."""

    _by_database: weakref.WeakValueDictionary[tuple[Any, ...], HotStates] = weakref.WeakValueDictionary()
    _registry_lock = threading.Lock()

    def __init__(self, max_age: float = 30.0) -> None:
        self.max_age = max_age
        self._states: dict[str, TenantState] = {}
        self._lock = threading.Lock()  # commits land from the event loop and from worker threads
        self.reads = 0  # passes that read the rows from the database (tests, benches)

    @classmethod
    def keep_for(cls, database_url: str, max_age: float = 30.0) -> HotStates:
        """The hot state of this database's tenants, for every session this process opens on it
        (whose changes `generations.track_generations` must capture)."""
        key = database_key(database_url)
        with cls._registry_lock:
            states = cls._by_database.get(key)
            if states is None:
                states = cls._by_database[key] = HotStates(max_age)
            return states

    @classmethod
    def of(cls, session: Session) -> HotStates | None:
        return cls._by_database.get(_database_of(session.get_bind())) if cls._by_database else None

    def current(self, tenant: str, generation: int) -> TenantState | None:
        state = self._states.get(tenant)
        if state is None or state.generation != generation:
            return None
        return None if time.monotonic() - state.loaded_at > self.max_age else state

    def committed(self, tenant: str, changes: Changes) -> None:
        """After a commit: the memory moves to the commit's generation, or is dropped."""
        if not changes.checked or changes.unsure or changes.seen is None or changes.final is None:
            if changes.wrote or changes.unsure:
                self.forget(tenant)  # written by a transaction that did not know what it built on
            return
        base = changes.loaded or changes.held
        if base is None or (not changes.wrote and changes.loaded is None
                            and changes.queues is None and changes.rules is None):
            return  # read the memory and changed nothing of it
        with self._lock:
            held = self._states.get(tenant)
            if held is None or held.generation <= changes.final:
                self._states[tenant] = base.with_changes(changes, changes.final)

    def forget(self, tenant: str | None = None) -> None:
        with self._lock:
            if tenant is None:
                self._states.clear()
            else:
                self._states.pop(tenant, None)


def changes_of(session: Session, tenant: str) -> Changes:
    """This transaction's changes of the tenant's agents and tasks, flushed so far."""
    return session.info.setdefault("routing_changes", {}).setdefault(tenant, Changes())
