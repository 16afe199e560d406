"""What a transaction did to a tenant's memory: every flush of its agents, tasks, queues or
rules captured, and the generation read again before the commit.

A flush listener on every session of the process captures the rows a transaction wrote
(`Changes`); just before the commit, a transaction that read the tenant's generation when it
took the routing lock reads it again (the triggers have moved it by its own changes, and by
no one else's: it holds the tenant's routing row); after the commit the process's memory of
the tenant (`hot.HotStates`) takes those rows at that generation; after a rollback they are
dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from switchboard.routing.flow.hot import HotStates, agent_row, changes_of, task_row
from switchboard.routing.models import Agent, Queue, RoutingRule, Task
from switchboard.routing.repository import generation_of


def track_generations() -> None:
    """Capture what every transaction of this process does to routing's agents, tasks, queues and
    rules, for this process's memory of its tenants (`hot.HotStates`)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_flush(session: Session, _context: Any) -> None:
    """Capture the agents, tasks, queues and rules this flush wrote."""
    for instance, gone in _flushed(session):
        changes = changes_of(session, instance.tenant_id)
        changes.wrote = True
        if not changes.checked:
            changes.unsure = True  # written before the flow read the generation
        if isinstance(instance, Agent):
            changes.agents[instance.id] = None if gone else agent_row(instance)
        elif isinstance(instance, Task):
            changes.tasks[instance.id] = None if gone else task_row(instance)
        else:
            changes.config = True


_TRACKED = (Agent, Task, Queue, RoutingRule)


def _flushed(session: Session) -> Iterable[tuple[Agent | Task | Queue | RoutingRule, bool]]:
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, _TRACKED):
            yield instance, False
    for instance in session.deleted:
        if isinstance(instance, _TRACKED):
            yield instance, True


def _before_commit(session: Session) -> None:
    """The generation each checked tenant is committed at: read after the last flush."""
    changed = session.info.get("routing_changes")
    if not changed or HotStates.of(session) is None:
        return
    checked = [tenant for tenant, changes in changed.items() if changes.checked and not changes.unsure]
    if not checked:
        return
    session.flush()
    for tenant in checked:
        changes = changed[tenant]
        changes.final = changes.seen if not changes.wrote else generation_of(session.connection(), tenant)


def _after_commit(session: Session) -> None:
    changed = session.info.pop("routing_changes", None)
    unsure = session.info.pop("routing_savepoint_rolled_back", False)
    if not changed:
        return
    states = HotStates.of(session)
    if states is None:
        return
    for tenant, changes in changed.items():
        changes.unsure = changes.unsure or unsure
        states.committed(tenant, changes)


def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop("routing_changes", None)
        session.info.pop("routing_savepoint_rolled_back", None)
        return
    # A savepoint rolled back: some captured rows may be undone; the commit drops the memory.
    session.info["routing_savepoint_rolled_back"] = True
