"""What a decision pass decides on: the tenant's memory while the database says it is current
(`hot.py`), the rows read again otherwise; with the transaction's own changes laid over it."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import inspect

from switchboard.routing.flow.hot import (
    AGENT_COLUMNS,
    HOT_STATUSES,
    STATE_READS,
    TASK_COLUMNS,
    Changes,
    DecisionState,
    HotStates,
    TenantState,
    agent_row,
    changes_of,
    task_row,
)
from switchboard.routing.models import Queue, RoutingRule
from switchboard.routing.repository import RoutingRepository, RoutingRow


async def check_generation(session: Any, tenant: str) -> RoutingRow | None:
    """Read the tenant's routing row and hold it until the transaction ends (a flow does, right
    after taking the tenant's routing lock), and find the memory current at its generation.
    Once per transaction: all its passes read at that generation."""
    row = await RoutingRepository(session).routing_row(tenant, hold=True)  # flushes what came before
    changes = changes_of(session.sync_session, tenant)
    if not changes.checked:
        changes.checked = True
        changes.seen = row.generation if row is not None else None
        states = HotStates.of(session.sync_session)
        if states is not None and changes.seen is not None and not changes.unsure:
            changes.held = states.current(tenant, changes.seen)
    return row


async def _checked(session: Any, tenant: str) -> Changes:
    changes = changes_of(session.sync_session, tenant)
    if not changes.checked:
        await check_generation(session, tenant)
    return changes


async def decision_state(session: Any, tenant: str) -> DecisionState:
    """The tenant's agents and tasks for a pass, in a transaction holding its routing lock, with
    the transaction's own changes flushed."""
    changes = await _checked(session, tenant)
    base = changes.held or changes.loaded
    if base is None:
        base = await _read(session, tenant, changes.seen)
        changes.loaded = base if changes.seen is not None and not changes.unsure else None
        STATE_READS.inc()
        if (states := HotStates.of(session.sync_session)) is not None:
            states.reads += 1
    return DecisionState(base, changes)


async def tenant_queues(session: Any, tenant: str) -> dict[str, Queue]:
    """The tenant's queues by id: from the memory while it is current."""
    changes = await _checked(session, tenant)
    if changes.held is not None and changes.held.queues is not None and not changes.config:
        return changes.held.queues
    queues = {q.id: q for q in await RoutingRepository(session).queues(tenant)}
    if not changes.config:
        changes.queues = {key: _copy(queue) for key, queue in queues.items()}
    return queues


async def tenant_rules(session: Any, tenant: str) -> list[RoutingRule]:
    """The tenant's routing rules in order: from the memory while it is current."""
    changes = await _checked(session, tenant)
    if changes.held is not None and changes.held.rules is not None and not changes.config:
        return changes.held.rules
    rules = await RoutingRepository(session).rules(tenant)
    if not changes.config:
        changes.rules = [_copy(rule) for rule in rules]
    return rules


def _copy(row: Any) -> Any:
    """A transient copy of a row (in no session, never written): safe to share between passes."""
    columns = inspect(type(row)).column_attrs
    return type(row)(**{column.key: getattr(row, column.key) for column in columns})


async def _read(session: Any, tenant: str, generation: int | None) -> TenantState:
    repo = RoutingRepository(session)
    agents = {row.id: agent for row in await repo.signed_in_agent_rows(tenant, AGENT_COLUMNS)
              if (agent := agent_row(row)) is not None}
    tasks = {row.id: task for row in await repo.task_rows_with_status(tenant, HOT_STATUSES, TASK_COLUMNS)
             if (task := task_row(row)) is not None}
    return TenantState(generation if generation is not None else -1, time.monotonic(), agents, tasks)
