"""The open transaction a routing decision runs in, with its tenant and its instant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from switchboard.common.events.base import Payload
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.flow.availability import voice_availability
from switchboard.routing.repository import RoutingRepository


@dataclass
class Flow:
    uow: UnitOfWork
    tenant: str
    now: datetime
    settings: RoutingSettings
    # (available, blended) agents free for a voice call when the flow began
    availability_before: tuple[int, int] = field(default=(0, 0))

    @property
    def repo(self) -> RoutingRepository:
        return RoutingRepository(self.uow.session)

    async def emit(self, payload: Payload, subject: str) -> None:
        await self.uow.emit(payload, tenant=self.tenant, subject=subject)

    def seconds_since(self, then: datetime | None) -> float:
        return max(0.0, (self.now - then).total_seconds()) if then is not None else 0.0


async def open_flow(uow: UnitOfWork, tenant: str, now: datetime, settings: RoutingSettings) -> Flow:
    """A flow holding the tenant's routing lock for the rest of the transaction."""
    flow = Flow(uow, tenant, now, settings)
    # A decision reads its own writes (a task just queued must be seen by the dispatch pass).
    uow.session.sync_session.autoflush = True
    await flow.repo.lock_tenant(tenant)
    flow.availability_before = await voice_availability(flow)
    return flow

