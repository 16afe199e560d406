"""Routing's reads against a tenant with a long history of tasks, next to a primary-key lookup.

The tasks table keeps every contact a tenant ever had; the reads a decision pass makes (the
agents' loads), the same-agent-again lookup and the statistics' interval read must not grow with
it. A migrated SQLite file (the service's schema and index order, no ANALYZE) is filled with
--tasks tasks (all but 300 completed, over 29 days, 200 agents, 50,000 customers); each read runs
through `RoutingRepository` as the service runs it, and the baseline in the same run is one
task read by its primary key.

    .venv/bin/python bench/routing_queries.py [--tasks 300000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from switchboard.common.db import create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.routing.models import Task
from switchboard.routing.repository import RoutingRepository

START = datetime(2026, 11, 1, tzinfo=UTC)


def fill(path: Path, tasks: int) -> str:
    rng, rows = random.Random(1), []
    for i in range(tasks):
        at = START + timedelta(days=29 * i / tasks)
        status = "completed" if i < tasks - 300 else rng.choice(["offered", "accepted", "queued"])
        rows.append((str(uuid.uuid4()), f"conv{i}", "sms", "inbound", status, "q1", 0, 0, "[]", "{}",
                     f"cust{i % 50_000}", "standard", 1, 0, f"agent{i % 200}",
                     at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                     (at + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S.%f"), "acme"))
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO tasks (id, conversation_id, channel, direction, status, queue_id, priority,"
        " rule_priority, required_skills, facts, customer_id, tier, profile_known, escalation_level,"
        " agent_id, created_at, ended_at, tenant_id, transfers) VALUES"
        " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)", rows)
    db.commit()
    db.close()
    return str(rows[tasks // 2][0])


async def measure(url: str, some_task: str, repeat: int) -> dict[str, float]:
    day = START + timedelta(days=27)
    reads: dict[str, Callable[[RoutingRepository], Awaitable[Any]]] = {
        "baseline: one task by its primary key": lambda repo: repo.session.get(Task, some_task),
        "agents' loads (every decision pass)": lambda repo: repo.agent_loads("acme"),
        "a customer's last agent": lambda repo: repo.last_agent_of_customer("acme", "cust77"),
        "tasks of one day (statistics)": lambda repo: repo.tasks_since("acme", day, day + timedelta(days=1)),
    }
    engine = create_engine(url)
    sessions = session_factory(engine)
    figures = {}
    for name, read in reads.items():
        samples = []
        for _ in range(repeat):
            async with sessions() as session:
                started = time.perf_counter()
                await read(RoutingRepository(session))
                samples.append(time.perf_counter() - started)
        figures[name] = sorted(samples)[len(samples) // 2] * 1000
    await engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--tasks", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sb-bench-routing-") as tmp:
        path = Path(tmp) / "routing.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade("switchboard.routing", url)
        some_task = fill(path, args.tasks)
        figures = asyncio.run(measure(url, some_task, args.repeat))
    base = figures["baseline: one task by its primary key"]
    print(f"\n{args.tasks:,} tasks of one tenant, median of {args.repeat} reads")
    print("| read | ms | ratio to the baseline |\n|---|---|---|")
    for name, ms in figures.items():
        print(f"| {name} | {ms:.2f} | {ms / base:.1f}x |")


if __name__ == "__main__":
    main()
