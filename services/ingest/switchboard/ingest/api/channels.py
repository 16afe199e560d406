"""Channels a tenant configures. Secrets and credentials are write-only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from switchboard.common.auth import Principal, require_roles
from switchboard.common.errors import Conflict, NotFound, Unprocessable
from switchboard.common.runtime import tenant_uow
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.schemas import ChannelCreate, ChannelOut, ChannelUpdate

router = APIRouter(prefix="/v1/channels", tags=["channels"])
Admin = Annotated[Principal, Depends(require_roles("admin"))]
Reader = Annotated[Principal, Depends(require_roles("admin", "supervisor", "agent", "service"))]
Uow = Annotated[UnitOfWork, Depends(tenant_uow)]


def _out(channel: Channel) -> ChannelOut:
    out = ChannelOut.model_validate(channel)
    return out.model_copy(update={"has_credentials": bool(channel.credentials)})


@router.post("", status_code=201, response_model=ChannelOut, summary="Register a channel")
async def create_channel(body: ChannelCreate, principal: Admin, uow: Uow) -> ChannelOut:
    repo = IngestRepository(uow.session)
    if await repo.channel_by_address(principal.tenant, body.kind, body.address):
        raise Conflict(f"a {body.kind} channel with address {body.address!r} already exists")
    channel = Channel(
        id=str(uuid.uuid4()), tenant_id=principal.tenant, kind=body.kind, provider=body.provider,
        address=body.address, name=body.name, signing_secret=body.signing_secret,
        credentials=body.credentials, created_at=datetime.now(UTC), help_text=body.help_text,
    )
    repo.add(channel)
    await uow.commit()
    return _out(channel)


@router.get("", response_model=list[ChannelOut], summary="List the tenant's channels")
async def list_channels(principal: Reader, uow: Uow) -> list[ChannelOut]:
    return [_out(c) for c in await IngestRepository(uow.session).channels(principal.tenant)]


@router.get("/{channel_id}", response_model=ChannelOut, summary="One channel")
async def get_channel(channel_id: str, principal: Reader, uow: Uow) -> ChannelOut:
    channel = await IngestRepository(uow.session).channel(principal.tenant, channel_id)
    if channel is None:
        raise NotFound(f"no channel {channel_id}")
    return _out(channel)


@router.patch("/{channel_id}", response_model=ChannelOut, summary="Change a channel")
async def update_channel(channel_id: str, body: ChannelUpdate, principal: Admin, uow: Uow) -> ChannelOut:
    channel = await IngestRepository(uow.session).channel(principal.tenant, channel_id)
    if channel is None:
        raise NotFound(f"no channel {channel_id}")
    for field in body.model_fields_set:
        setattr(channel, field, getattr(body, field))
    if channel.name is None or channel.signing_secret is None or channel.credentials is None:
        raise Unprocessable("name, signing_secret and credentials cannot be cleared")
    await uow.commit()
    return _out(channel)
