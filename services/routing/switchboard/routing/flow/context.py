"""The open transaction a routing decision runs in, with its tenant and its instant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from switchboard.common.events.base import Payload
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.models import Queue
from switchboard.routing.repository import RoutingRepository


@dataclass
class Flow:
    uow: UnitOfWork
    tenant: str
    now: datetime
    settings: RoutingSettings
    _queues: dict[str, Queue] | None = field(default=None, repr=False)

    @property
    def repo(self) -> RoutingRepository:
        return RoutingRepository(self.uow.session)

    async def queues(self) -> dict[str, Queue]:
        """The tenant's queues by id, read once per flow (a decision never changes a queue)."""
        if self._queues is None:
            self._queues = {q.id: q for q in await self.repo.queues(self.tenant)}
        return self._queues

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
    return flow

