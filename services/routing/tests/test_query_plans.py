"""The reads that run on every decision, and the statistics', go through an index narrower than
the tenant's own, on the schema the migrations build. SQLite plans without statistics, and the
tasks table keeps every contact the tenant ever had: a read through the tenant's index grows with
it (the agents' loads took 300 ms a decision pass at 300,000 tasks)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from switchboard.common.db import create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.routing.flow.hot import HOT_STATUSES, TASK_COLUMNS
from switchboard.routing.repository import RoutingRepository

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
READS: dict[str, Callable[[RoutingRepository], Awaitable[Any]]] = {
    "agent loads": lambda repo: repo.agent_loads("acme"),
    "a customer's last agent": lambda repo: repo.last_agent_of_customer("acme", "cust-1"),
    "tasks of an interval": lambda repo: repo.tasks_since("acme", NOW - timedelta(days=1), NOW),
    "tasks of an agent": lambda repo: repo.tasks_of_agents("acme", {"ann", "bob"}),
    "tasks by status": lambda repo: repo.tasks_with_status("acme", "queued", "message"),
    "a pass's memory of the tasks":
        lambda repo: repo.task_rows_with_status("acme", HOT_STATUSES, TASK_COLUMNS),
}


@pytest.mark.parametrize("name", list(READS))
async def test_the_read_does_not_walk_the_tenants_own_index(tmp_path: Path, name: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/routing.db"
    await asyncio.to_thread(upgrade, "switchboard.routing", url)  # it runs its own event loop
    engine = create_engine(url)
    statements: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    async with session_factory(engine)() as session:
        await READS[name](RoutingRepository(session))
    event.remove(engine.sync_engine, "before_cursor_execute", record)
    [(statement, parameters)] = [s for s in statements if s[0].lstrip().upper().startswith("SELECT")]
    async with engine.connect() as conn:
        plan = [row[3] for row in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                             tuple(parameters))]
    await engine.dispose()
    assert plan and not [step for step in plan if "ix_tasks_tenant_id" in step or
                         step.startswith("SCAN tasks")], plan
    if name == "a customer's last agent":  # not every completed task of the tenant
        assert any("ix_tasks_tenant_customer (tenant_id=? AND customer_id=?)" in step for step in plan), plan
    if name != "tasks of an agent":  # the agent index leads with the tenant as well; it is narrow
        assert not [step for step in plan if "ix_tasks_tenant_agent (tenant_id=?)" in step], plan
