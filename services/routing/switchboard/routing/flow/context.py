"""The open transaction a routing decision runs in, with its tenant and its instant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from switchboard.common.events.base import Envelope, Payload
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.flow.inputs import check_generation, tenant_queues, tenant_rules
from switchboard.routing.models import Queue, RoutingRule, Task
from switchboard.routing.repository import OPEN_STATUSES, RoutingRepository


@dataclass
class Flow:
    uow: UnitOfWork
    tenant: str
    now: datetime
    settings: RoutingSettings
    # While a batch runs: the event each step answers, its events kept to be written at once,
    # and the open tasks of the batch's conversations read up front (with, for those that have
    # none, whether they had one before).
    cause: Envelope | None = None
    _pending: list[tuple[Payload, str, Envelope]] | None = field(default=None, repr=False)
    open_tasks: dict[str, Task] | None = field(default=None, repr=False)
    _handled_before: set[str] = field(default_factory=set, repr=False)
    _queues: dict[str, Queue] | None = field(default=None, repr=False)
    _rules: list[RoutingRule] | None = field(default=None, repr=False)
    bell: DesktopBell | None = field(default=None, repr=False)
    # The voice availability last announced to the dialer (the tenant's routing row, held)
    announced: tuple[int, int] | None = field(default=None, repr=False)
    _changed_agents: set[str] = field(default_factory=set, repr=False)

    @property
    def repo(self) -> RoutingRepository:
        return RoutingRepository(self.uow.session)

    async def queues(self) -> dict[str, Queue]:
        """The tenant's queues by id, once per flow (a decision never changes a queue)."""
        if self._queues is None:
            self._queues = await tenant_queues(self.uow.session, self.tenant)
        return self._queues

    async def emit(self, payload: Payload, subject: str) -> None:
        if self._pending is not None and self.cause is not None:
            self._pending.append((payload, subject, self.cause))
            return
        await self.uow.emit(payload, tenant=self.tenant, subject=subject)

    def hold_events(self) -> None:
        """Keep emitted events to write in one statement (`write_events`), each with its cause."""
        self._pending = []

    async def write_events(self) -> None:
        pending, self._pending = self._pending or [], None
        if pending:
            await self.uow.emit_all([(payload, subject) for payload, subject, _ in pending],
                                    tenant=self.tenant, causes=[cause for _, _, cause in pending])

    async def rules(self) -> list[RoutingRule]:
        """The tenant's routing rules in order, read once per flow."""
        if self._rules is None:
            self._rules = await tenant_rules(self.uow.session, self.tenant)
        return self._rules

    async def open_task_for(self, conversation_id: str) -> Task | None:
        """The conversation's open task: from the batch's read-ahead when there is one."""
        if self.open_tasks is None:
            return await self.repo.open_task_for_conversation(self.tenant, conversation_id)
        task = self.open_tasks.get(conversation_id)
        return task if task is not None and task.status in OPEN_STATUSES else None

    async def read_open_tasks(self, conversation_ids: list[str], *, with_history: bool = False) -> None:
        """The batch's open tasks in one read; `with_history`: also, in one more read, which of the
        other conversations had a task already (`had_task`), instead of a query per event."""
        self.open_tasks = await self.repo.open_tasks_for_conversations(self.tenant, conversation_ids)
        without = set(conversation_ids) - self.open_tasks.keys()
        if with_history and without:
            self._handled_before = await self.repo.conversations_with_tasks(self.tenant, without)

    async def had_task(self, conversation_id: str) -> bool:
        """Whether the conversation has (or had) any task, closed ones included."""
        if self.open_tasks is None:
            return await self.repo.latest_task_for_conversation(self.tenant, conversation_id) is not None
        return conversation_id in self.open_tasks or conversation_id in self._handled_before

    def agent_changed(self, agent_id: str) -> None:
        """The agent's desktop has news (an offer, a withdrawal, a new state): ring its feed
        once this transaction commits."""
        if self.bell is None:
            return
        if not self._changed_agents:
            bell, tenant, changed = self.bell, self.tenant, self._changed_agents
            self.uow.after_commit(lambda: bell.ring(tenant, changed))
        self._changed_agents.add(agent_id)

    def seconds_since(self, then: datetime | None) -> float:
        return max(0.0, (self.now - then).total_seconds()) if then is not None else 0.0


async def open_flow(uow: UnitOfWork, tenant: str, now: datetime, settings: RoutingSettings,
                    bell: DesktopBell | None = None) -> Flow:
    """A flow holding the tenant's routing lock for the rest of the transaction."""
    flow = Flow(uow, tenant, now, settings, bell=bell)
    # A decision reads its own writes (a task just queued must be seen by the dispatch pass).
    uow.session.sync_session.autoflush = True
    await flow.repo.lock_tenant(tenant)
    routing = await check_generation(uow.session, tenant)  # what the tenant's memory must be to be used
    flow.announced = (routing.available_agents, routing.blended_agents) if routing is not None else None
    return flow

