"""What moves a tenant's memory on: every flush of its agents, tasks, queues or rules.

A flush listener on every session of the process captures the rows a transaction wrote
(`Changes`) and moves the tenant's `tenant_routing.generation` on once per transaction; after
the commit the process's memory of the tenant (`hot.HotStates`) takes those rows, and after a
rollback they are dropped. Every routing process installs it, whether or not it keeps the
memory itself: another replica's memory depends on the generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from switchboard.routing.flow.hot import HotStates, agent_row, changes_of, task_row
from switchboard.routing.models import Agent, Queue, RoutingRule, Task
from switchboard.routing.repository import next_generation


def track_generations() -> None:
    """Move a tenant's generation on in every transaction of this process that changes its agents
    or tasks. Every routing process does, whether or not it keeps the hot state itself: another
    replica's memory depends on it."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_flush(session: Session, _context: Any) -> None:
    """Capture the agents and tasks this flush wrote and move their tenants' generations on."""
    touched: set[str] = set()
    for instance, gone in _flushed(session):
        tenant = instance.tenant_id
        changes = changes_of(session, tenant)
        if isinstance(instance, Agent):
            changes.agents[instance.id] = None if gone else agent_row(instance)
        elif isinstance(instance, Task):
            changes.tasks[instance.id] = None if gone else task_row(instance)
        else:
            changes.config = True
        touched.add(tenant)
    for tenant in touched:
        changes = changes_of(session, tenant)
        if changes.bumped is None:
            changes.bumped = _bump(session, tenant)


_TRACKED = (Agent, Task, Queue, RoutingRule)


def _flushed(session: Session) -> Iterable[tuple[Agent | Task | Queue | RoutingRule, bool]]:
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, _TRACKED):
            yield instance, False
    for instance in session.deleted:
        if isinstance(instance, _TRACKED):
            yield instance, True


def _bump(session: Session, tenant: str) -> int:
    """The tenant's next generation; -1 when the tenant has no routing row yet."""
    generation = next_generation(session.connection(), tenant)
    return -1 if generation is None else generation


def _after_commit(session: Session) -> None:
    changed = session.info.pop("routing_changes", None)
    if not changed:
        return
    unsure = session.info.pop("routing_savepoint_rolled_back", False)
    states = HotStates.of(session)
    if states is None:
        return
    for tenant, changes in changed.items():
        if changes.bumped == -1 or unsure:
            states.forget(tenant)  # the tenant had no routing row yet: read it all next time
        else:
            states.committed(tenant, changes)


def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop("routing_changes", None)
        session.info.pop("routing_savepoint_rolled_back", None)
        return
    # A savepoint rolled back: some captured rows may be undone, and so may the generation's move
    # if it was made inside. It is moved again at the next flush, and the commit drops the memory.
    for changes in session.info.get("routing_changes", {}).values():
        changes.bumped = None
    session.info["routing_savepoint_rolled_back"] = True
