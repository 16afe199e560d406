"""Supervisor views: live queue and agent figures (JSON and an SSE stream), 15-minute intervals."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, StreamingResponse

from switchboard.common.auth import Principal
from switchboard.common.runtime import Runtime
from switchboard.routing.api.agents import agent_out
from switchboard.routing.api.deps import Settings, Supervisor, Uow
from switchboard.routing.repository import RoutingRepository
from switchboard.routing.stats import agent_intervals, agents_by_state, queue_figures, queue_intervals

router = APIRouter(prefix="/v1/stats", tags=["statistics"])


async def live_figures(repo: RoutingRepository, tenant: str, short_abandon: float) -> dict[str, Any]:
    now = datetime.now(UTC)
    today = datetime.combine(now.date(), time(), UTC)
    queues = await repo.queues(tenant)
    tasks = await repo.tasks_since(tenant, today)
    waiting = await repo.tasks_with_status(tenant, "queued")
    backlog = await repo.tasks_with_status(tenant, "message")
    figures = queue_figures(tasks, {q.id: q.sla_seconds for q in queues}, short_abandon)
    loads = await repo.agent_loads(tenant)
    agents = [agent_out(a, loads.get(a.id, {})) for a in await repo.agents(tenant)]
    rows = []
    for queue in queues:
        mine = [t for t in waiting if t.queue_id == queue.id]
        messages = [t for t in backlog if t.queue_id == queue.id]
        summary = figures[queue.id].summary() if queue.id in figures else _empty_summary()
        rows.append({
            "queue_id": queue.id, "name": queue.name, "waiting": len(mine),
            "longest_wait_seconds": round(max(((now - t.created_at).total_seconds() for t in mine),
                                              default=0.0), 1),
            "messages_waiting": len(messages),
            "oldest_message_seconds": round(max(((now - t.created_at).total_seconds() for t in messages),
                                                default=0.0), 1),
            "sla_target": queue.sla_target, "sla_seconds": queue.sla_seconds,
            **summary,
        })
    return {"at": now.isoformat(), "queues": rows,
            "unrouted": len(await repo.tasks_with_status(tenant, "pending")),
            "agents_by_state": agents_by_state(a.state for a in agents)}


def _empty_summary() -> dict[str, Any]:
    return {"offered": 0, "answered": 0, "abandoned": 0, "short_abandons": 0, "transfers": 0,
            "messages": 0, "messages_handled": 0,
            "service_level": None, "abandon_rate": None, "asa_seconds": None, "aht_seconds": None}


@router.get("/live", summary="Today per queue, waiting now, agents by state")
async def live(principal: Supervisor, uow: Uow, settings: Settings) -> dict[str, Any]:
    repo = RoutingRepository(uow.session)
    return await live_figures(repo, principal.tenant, settings.short_abandon_seconds)


@router.get("/live/stream", summary="The live figures as server-sent events, every `every` seconds")
async def live_stream(request: Request, principal: Supervisor, settings: Settings,
                      every: Annotated[float, Query(ge=0.5, le=60)] = 2.0) -> StreamingResponse:
    runtime: Runtime = request.app.state.runtime
    return StreamingResponse(_snapshots(request, runtime, principal, settings.short_abandon_seconds, every),
                             media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def _snapshots(request: Request, runtime: Runtime, principal: Principal, short_abandon: float,
                     every: float) -> AsyncIterator[str]:
    while not await request.is_disconnected():
        async with runtime.unit_of_work() as uow:  # one short transaction per snapshot
            uow.scope_to(principal.tenant)
            figures = await live_figures(RoutingRepository(uow.session), principal.tenant, short_abandon)
        yield f"event: stats\ndata: {json.dumps(figures)}\n\n"
        await asyncio.sleep(every)


@router.get("/intervals", summary="15-minute intervals of one day, per queue and per agent (JSON or CSV)")
async def intervals(principal: Supervisor, uow: Uow, settings: Settings,
                    day: Annotated[date | None, Query(description="UTC day, today if left out")] = None,
                    of: Literal["queues", "agents"] = "queues",
                    format: Literal["json", "csv"] = "json") -> Any:
    repo = RoutingRepository(uow.session)
    start = datetime.combine(day or datetime.now(UTC).date(), time(), UTC)
    end = start + timedelta(days=1)
    tasks = await repo.tasks_since(principal.tenant, start, end)
    if of == "queues":
        sla = {q.id: float(q.sla_seconds) for q in await repo.queues(principal.tenant)}
        rows = queue_intervals(tasks, sla, settings.short_abandon_seconds)
    else:
        history = await repo.state_history(principal.tenant, start, end)
        offers = await repo.offers_between(principal.tenant, start, end)
        rows = agent_intervals(tasks, history, start, min(end, datetime.now(UTC)), offers)
    if format == "json":
        return rows
    return PlainTextResponse(_csv(rows), media_type="text/csv")


def _csv(rows: list[dict[str, Any]]) -> str:
    columns = sorted({key for row in rows for key in row}, key=lambda k: (k not in _FIRST, k))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


_FIRST = ("interval_start", "queue_id", "agent_id")
