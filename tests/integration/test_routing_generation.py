"""Routing's generation triggers, on the schema the migrations build (SQLite here, PostgreSQL in
`make test-pg`): every committed change of a tenant's agents, tasks, queues or rules moves that
tenant's generation on, whoever writes it, and nothing else moves it. Routing's memory of a
tenant is used only while the generation stands (services/routing/switchboard/routing/flow/hot.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.common.db import normalize_url
from switchboard.common.testing import TestDatabases

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
AGENT = ("INSERT INTO agents (tenant_id, id, name, skills, capacity, voice_exclusive, blended, state, "
         "state_since, missed_offers, created_at) VALUES (:t, :id, 'A', '{}', '{}', true, false, "
         "'available', :now, 0, :now)")
QUEUE = ("INSERT INTO queues (id, tenant_id, name, channels, strategy, required_skills, sla_target, "
         "sla_seconds, limit_action, wrap_up_seconds, escalation, is_default, created_at) VALUES "
         "(:id, :t, :id, '[]', 'longest_idle', '{}', 0.8, 20, 'abandon', 0, '{}', false, :now)")
TASK = ("INSERT INTO tasks (id, tenant_id, conversation_id, channel, direction, status, priority, "
        "rule_priority, required_skills, facts, profile_known, escalation_level, transfers, created_at) "
        "VALUES (:id, :t, :id, 'sms', 'inbound', 'queued', 0, 0, '{}', '{}', false, 0, 0, :now)")


def test_every_change_of_a_tenants_routing_rows_moves_its_generation_and_nothing_else_does(
        databases: TestDatabases) -> None:
    url = databases.migrated_url_for("routing")

    async def run() -> None:
        engine = create_async_engine(normalize_url(url))

        async def write(*statements: tuple[str, dict[str, Any]]) -> None:
            async with engine.begin() as conn:
                for sql, params in statements:
                    await conn.execute(text(sql), {"now": NOW, **params})

        async def generations() -> dict[str, int]:
            async with engine.connect() as conn:
                rows = await conn.execute(text("SELECT tenant_id, generation FROM tenant_routing"))
                return {tenant: int(generation) for tenant, generation in rows}

        await write(*[("INSERT INTO tenant_routing (tenant_id, available_agents, blended_agents) "
                       "VALUES (:t, 0, 0)", {"t": t}) for t in ("acme", "other")])
        last = await generations()
        assert last == {"acme": 0, "other": 0}
        for statements in [
            [(AGENT, {"t": "acme", "id": "ann"})],
            [("UPDATE agents SET state = 'not_ready' WHERE tenant_id = 'acme' AND id = 'ann'", {}),
             (AGENT, {"t": "acme", "id": "bob"})],
            [(QUEUE, {"t": "acme", "id": "q1"})],
            [(TASK, {"t": "acme", "id": "t1"})],
            [("INSERT INTO routing_rules (id, tenant_id, position, name, conditions, queue_id, priority, "
              "required_skills, created_at) VALUES ('r1', 'acme', 1, 'r', '{}', 'q1', 0, '{}', :now)", {})],
            [("DELETE FROM routing_rules WHERE id = 'r1'", {})],
            [("DELETE FROM agents WHERE tenant_id = 'acme' AND id = 'bob'", {})],
        ]:
            await write(*statements)
            now = await generations()
            assert now["acme"] > last["acme"], statements
            assert now["other"] == 0, "another tenant's generation never moves"
            last = now
        # what a pass does not read leaves it alone: an offer's reservation, the announced figures
        await write(("INSERT INTO reservations (id, tenant_id, task_id, agent_id, offered_at, expires_at, "
                     "outcome) VALUES ('v1', 'acme', 't1', 'ann', :now, :now, 'pending')", {}),
                    ("UPDATE tenant_routing SET available_agents = 1 WHERE tenant_id = 'acme'", {}))
        assert await generations() == last
        await engine.dispose()

    asyncio.run(run())
