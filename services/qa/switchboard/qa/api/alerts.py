"""Live quality alerts for supervisors: a cursor-paged list and a server-sent event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from switchboard.common.auth import Principal, require_roles
from switchboard.common.runtime import Runtime, get_runtime, tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.qa.repository import QARepository
from switchboard.qa.schemas import AlertOut

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])
Supervisor = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
HEARTBEAT_SECONDS = 5.0
Order = Literal["oldest", "newest"]
Kind = Literal["sentiment_drop", "forbidden_phrase", "sensitive_data", "sla_breach"]


@router.get("", response_model=list[AlertOut],
            summary="Alerts after a cursor, oldest first; or the latest, newest first (order=newest)")
async def list_alerts(
    principal: Supervisor,
    uow: Annotated[UnitOfWork, Depends(tenant_uow)],
    after: Annotated[int, Query(ge=0, description="the seq of the last alert seen")] = 0,
    before: Annotated[int | None, Query(ge=1, description="only lower seqs (paging back)")] = None,
    kind: Kind | None = None,
    conversation_id: str | None = None,
    order: Annotated[Order, Query(description="newest: the latest `limit` alerts, newest first")] = "oldest",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AlertOut]:
    rows = await QARepository(uow.session).alerts(
        principal.tenant, after=after, before=before, kind=kind, conversation_id=conversation_id,
        limit=limit, newest_first=order == "newest")
    return [AlertOut.model_validate(row) for row in rows]


@router.get("/stream", summary="Server-sent events: every new alert of the tenant as it is raised")
async def stream_alerts(
    request: Request,
    principal: Supervisor,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    after: Annotated[int, Query(ge=0, description="resume after this seq (Last-Event-ID works too)")] = 0,
    poll_seconds: Annotated[float, Query(ge=0.2, le=10)] = 0.5,
) -> StreamingResponse:
    resume = request.headers.get("last-event-id", "")
    cursor = int(resume) if resume.isdigit() else after

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        yield ": connected\n\n"
        idle = 0.0
        while not await request.is_disconnected():
            async with runtime.unit_of_work() as uow:
                uow.scope_to(principal.tenant)
                rows = await QARepository(uow.session).alerts(
                    principal.tenant, after=cursor, kind=None, conversation_id=None, limit=100)
                batch = [AlertOut.model_validate(row) for row in rows]
            for alert in batch:
                cursor = alert.seq
                yield f"id: {alert.seq}\nevent: alert\ndata: {alert.model_dump_json()}\n\n"
            if not batch:
                await asyncio.sleep(poll_seconds)
                idle += poll_seconds
                if idle >= HEARTBEAT_SECONDS:  # keeps proxies from closing a quiet stream
                    idle = 0.0
                    yield ": heartbeat\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})
