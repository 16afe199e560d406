"""Rule-based segments and their members (what campaign builds contact lists from)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound
from switchboard.common.ids import new_id
from switchboard.common.runtime import Runtime, get_runtime, tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.profile.domain.segments import SegmentRules
from switchboard.profile.models import Segment
from switchboard.profile.repository import ProfileRepository
from switchboard.profile.segment_repository import SegmentRepository
from switchboard.profile.segments import Member, members

router = APIRouter(prefix="/v1/segments", tags=["segments"])
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]
Manager = Annotated[Principal, Depends(require_roles("admin", "supervisor"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "service"))]


class SegmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    rules: SegmentRules


class SegmentOut(BaseModel):
    id: str
    name: str
    rules: SegmentRules
    created_at: datetime
    updated_at: datetime


class MemberPage(BaseModel):
    items: list[Member]
    next_after: str | None = Field(None, description="pass as ?after= for the next page")


def _out(segment: Segment) -> SegmentOut:
    return SegmentOut(id=segment.id, name=segment.name, rules=SegmentRules.model_validate(segment.rules),
                      created_at=segment.created_at, updated_at=segment.updated_at)


async def _segment(uow: UnitOfWork, tenant: str, segment_id: str) -> Segment:
    segment = await SegmentRepository(uow.session).segment(tenant, segment_id)
    if segment is None:
        raise NotFound(f"no segment {segment_id}")
    return segment


@router.post("", status_code=201, response_model=SegmentOut)
async def create_segment(body: SegmentIn, principal: Manager, uow: Uow) -> SegmentOut:
    repo = SegmentRepository(uow.session)
    if await repo.segment_named(principal.tenant, body.name) is not None:
        raise Conflict(f"a segment named {body.name!r} already exists")
    now = datetime.now(UTC)
    segment = Segment(id=new_id(), tenant_id=principal.tenant, name=body.name,
                      rules=body.rules.model_dump(mode="json"), created_at=now, updated_at=now)
    repo.add(segment)
    await uow.commit()
    return _out(segment)


@router.get("", response_model=list[SegmentOut])
async def list_segments(principal: Reader, uow: Uow) -> list[SegmentOut]:
    return [_out(s) for s in await SegmentRepository(uow.session).segments(principal.tenant)]


@router.get("/{segment_id}", response_model=SegmentOut)
async def get_segment(segment_id: str, principal: Reader, uow: Uow) -> SegmentOut:
    return _out(await _segment(uow, principal.tenant, segment_id))


@router.put("/{segment_id}", response_model=SegmentOut)
async def put_segment(segment_id: str, body: SegmentIn, principal: Manager, uow: Uow) -> SegmentOut:
    segment = await _segment(uow, principal.tenant, segment_id)
    other = await SegmentRepository(uow.session).segment_named(principal.tenant, body.name)
    if other is not None and other.id != segment.id:
        raise Conflict(f"a segment named {body.name!r} already exists")
    segment.name, segment.rules = body.name, body.rules.model_dump(mode="json")
    segment.updated_at = datetime.now(UTC)
    await uow.commit()
    return _out(segment)


@router.delete("/{segment_id}", status_code=204, response_class=Response)
async def delete_segment(segment_id: str, principal: Manager, uow: Uow) -> Response:
    segment = await _segment(uow, principal.tenant, segment_id)
    await SegmentRepository(uow.session).delete(segment)
    await uow.commit()
    return Response(status_code=204)


@router.get("/{segment_id}/members", response_model=MemberPage,
            summary="One page of members in id order, with their contact points")
async def segment_members(
    segment_id: str, principal: Reader, uow: Uow, after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> MemberPage:
    segment = await _segment(uow, principal.tenant, segment_id)
    settings = await ProfileRepository(uow.session).tenant_settings(principal.tenant)
    rules = SegmentRules.model_validate(segment.rules)
    items = [m async for m in members(uow.session, principal.tenant, rules, settings,
                                      after=after, limit=limit)]
    return MemberPage(items=items, next_after=items[-1].customer_id if len(items) == limit else None)


@router.get("/{segment_id}/members.ndjson", summary="Every member, streamed as JSON lines",
            response_class=StreamingResponse)
async def stream_members(
    segment_id: str, principal: Reader, runtime: Annotated[Runtime, Depends(get_runtime)],
) -> StreamingResponse:
    # No request-long unit of work here: SQLite would hold its write lock for the whole stream.
    tenant = principal.tenant
    async with runtime.unit_of_work() as uow:
        uow.scope_to(tenant)
        rules = SegmentRules.model_validate((await _segment(uow, tenant, segment_id)).rules)

    async def lines() -> AsyncIterator[bytes]:
        after: str | None = None
        while True:
            # a short transaction per page: a million members never hold one open for minutes
            async with runtime.unit_of_work() as page_uow:
                page_uow.scope_to(tenant)
                settings = await ProfileRepository(page_uow.session).tenant_settings(tenant)
                page = [m async for m in members(page_uow.session, tenant, rules, settings,
                                                 after=after, limit=1000)]
            for member in page:
                yield member.model_dump_json().encode() + b"\n"
            if len(page) < 1000:
                return
            after = page[-1].customer_id

    return StreamingResponse(lines(), media_type="application/x-ndjson")
