"""Ingest's own copy of the marketing opt-out list, kept in step with profile's consent.

Ingest refuses a marketing send to an opted-out address even if the sender
forgot to check: defense in depth. Service messages are not affected.
"""

from __future__ import annotations

import uuid

from switchboard.common.consumer import EventContext
from switchboard.common.events.profile import ConsentChanged
from switchboard.ingest.models import OptOut
from switchboard.ingest.repository import IngestRepository


async def on_consent_changed(event: ConsentChanged, ctx: EventContext) -> None:
    if event.purpose != "marketing":
        return
    repo = IngestRepository(ctx.uow.session)
    existing = await repo.opt_out(ctx.tenant, event.channel, event.address)
    if event.granted and existing is not None:
        await repo.remove(existing)
    elif not event.granted and existing is None:
        repo.add(OptOut(
            id=str(uuid.uuid4()), tenant_id=ctx.tenant, channel_kind=event.channel,
            address=event.address, keyword="", source="profile", created_at=event.at,
        ))
