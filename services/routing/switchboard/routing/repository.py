"""All of routing's SQL."""

from __future__ import annotations

import zlib
from collections import namedtuple
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from switchboard.common.sqlite_thread import UnreadRows, fetch_unread
from switchboard.routing.models import (
    Agent,
    AgentStateChange,
    Queue,
    Reservation,
    RoutingRule,
    Skill,
    Task,
    TenantRouting,
)

# "message": in a queue's message backlog (the customer left a message, agents work it later)
OPEN_STATUSES = ("pending", "queued", "message", "offered", "accepted")
HOLDING_STATUSES = ("offered", "accepted")  # what counts against an agent's capacity


# What an agent's desktop feed shows of the agent and of the tasks it holds (schemas.AgentOut, TaskOut)
DESKTOP_AGENT_COLUMNS = (Agent.id, Agent.name, Agent.skills, Agent.capacity, Agent.voice_exclusive,
                         Agent.blended, Agent.state, Agent.reason, Agent.state_since, Agent.idle_since,
                         Agent.wrap_up_until)
DESKTOP_TASK_COLUMNS = (Task.id, Task.facts, Task.conversation_id, Task.channel, Task.direction,
                        Task.status, Task.queue_id, Task.priority, Task.agent_id, Task.offer_expires_at,
                        Task.customer_id, Task.tier, Task.created_at, Task.accepted_at, Task.ended_at,
                        Task.disposition, Task.wait_seconds, Task.talk_seconds, Task.wrap_seconds)
DesktopAgent = namedtuple("DesktopAgent", [column.key for column in DESKTOP_AGENT_COLUMNS])  # type: ignore[misc]
DesktopTask = namedtuple("DesktopTask", [column.key for column in DESKTOP_TASK_COLUMNS])  # type: ignore[misc]
DESKTOP_TASK_AGENT = DesktopTask._fields.index("agent_id")
# built once, each naming its tenant itself (the session's tenant net then skips it)
_DESKTOP_AGENTS = select(*DESKTOP_AGENT_COLUMNS).where(
    Agent.tenant_id == bindparam("tenant"), Agent.id.in_(bindparam("ids", expanding=True)),
).execution_options(all_tenants=True)
_DESKTOP_TASKS = select(*DESKTOP_TASK_COLUMNS).where(
    Task.tenant_id == bindparam("tenant"), Task.agent_id.in_(bindparam("ids", expanding=True)),
    Task.status.in_(HOLDING_STATUSES),
).order_by(Task.created_at).execution_options(all_tenants=True)


class RoutingRow(NamedTuple):
    """The tenant's routing row as a pass reads it: its generation and the last announced availability."""

    generation: int
    available_agents: int
    blended_agents: int


class RoutingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_tenant(self, tenant: str) -> None:
        """Serialize every assignment decision of one tenant, across all replicas.

        PostgreSQL: a transaction-scoped advisory lock on the tenant. SQLite: every
        transaction already begins IMMEDIATE, holding the database's write lock.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            key = zlib.crc32(f"routing:{tenant}".encode())
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    # skills
    async def skills(self, tenant: str) -> list[Skill]:
        return list(await self.session.scalars(
            select(Skill).where(Skill.tenant_id == tenant).order_by(Skill.name)))

    async def skill_names(self, tenant: str) -> set[str]:
        return {s.name for s in await self.skills(tenant)}

    async def skill(self, tenant: str, skill_id: str) -> Skill | None:
        return await self.session.scalar(select(Skill).where(Skill.tenant_id == tenant, Skill.id == skill_id))

    # queues
    async def queues(self, tenant: str) -> list[Queue]:
        return list(await self.session.scalars(
            select(Queue).where(Queue.tenant_id == tenant).order_by(Queue.name)))

    async def queue(self, tenant: str, queue_id: str) -> Queue | None:
        return await self.session.scalar(select(Queue).where(Queue.tenant_id == tenant, Queue.id == queue_id))

    async def queue_by_name(self, tenant: str, name: str) -> Queue | None:
        return await self.session.scalar(select(Queue).where(Queue.tenant_id == tenant, Queue.name == name))

    async def default_queue(self, tenant: str) -> Queue | None:
        return await self.session.scalar(
            select(Queue).where(Queue.tenant_id == tenant, Queue.is_default.is_(True)))

    # rules
    async def rules(self, tenant: str) -> list[RoutingRule]:
        return list(await self.session.scalars(
            select(RoutingRule).where(RoutingRule.tenant_id == tenant)
            .order_by(RoutingRule.position, RoutingRule.created_at)))

    async def rule(self, tenant: str, rule_id: str) -> RoutingRule | None:
        return await self.session.scalar(
            select(RoutingRule).where(RoutingRule.tenant_id == tenant, RoutingRule.id == rule_id))

    async def rules_using_queue(self, tenant: str, queue_id: str) -> int:
        return int(await self.session.scalar(
            select(func.count()).select_from(RoutingRule)
            .where(RoutingRule.tenant_id == tenant, RoutingRule.queue_id == queue_id)) or 0)

    # agents
    async def agents(self, tenant: str) -> list[Agent]:
        return list(await self.session.scalars(
            select(Agent).where(Agent.tenant_id == tenant).order_by(Agent.id)))

    async def agent(self, tenant: str, agent_id: str) -> Agent | None:
        return await self.session.scalar(select(Agent).where(Agent.tenant_id == tenant, Agent.id == agent_id))

    async def agent_by_key(self, tenant: str, agent_id: str) -> Agent | None:
        """The agent by primary key: no query when this transaction already loaded it."""
        loaded = self.session.sync_session.identity_map.get(identity_key(Agent, (tenant, agent_id)))
        return loaded if isinstance(loaded, Agent) else await self.agent(tenant, agent_id)

    async def tenant_routing(self, tenant: str) -> TenantRouting:
        """The tenant's routing row (created on first use)."""
        row = await self.session.scalar(select(TenantRouting).where(TenantRouting.tenant_id == tenant))
        if row is None:
            row = TenantRouting(tenant_id=tenant, available_agents=0, blended_agents=0)
            self.session.add(row)
        return row

    async def routing_row(self, tenant: str, *, hold: bool = False) -> RoutingRow | None:
        """The tenant's routing row as committed or written by this transaction (None: not made
        yet); `hold`: kept from every other writer until this transaction ends (PostgreSQL's
        FOR UPDATE; on SQLite the transaction's write lock already does)."""
        query = select(TenantRouting.generation, TenantRouting.available_agents,
                       TenantRouting.blended_agents).where(TenantRouting.tenant_id == tenant)
        row = (await self.session.execute(query.with_for_update() if hold else query)).first()
        return None if row is None else RoutingRow(*row)

    async def signed_in_agent_rows(self, tenant: str, columns: tuple[Any, ...]) -> list[Row[Any]]:
        """These columns of the agents signed in (a decision pass's memory reads them, `flow/hot.py`)."""
        return list(await self.session.execute(
            select(*columns).where(Agent.tenant_id == tenant, Agent.state != "logged_out")))

    async def agents_by_id(self, tenant: str, agent_ids: set[str]) -> dict[str, Agent]:
        """These agents: those this transaction has loaded from its identity map, the rest in one read."""
        found = self._loaded(Agent, {agent_id: (tenant, agent_id) for agent_id in agent_ids})
        if missing := agent_ids - found.keys():
            found.update((agent.id, agent) for agent in await self.session.scalars(
                select(Agent).where(Agent.tenant_id == tenant, Agent.id.in_(missing))))
        return found

    def _loaded(self, cls: type[Any], keys: dict[str, tuple[str, ...]]) -> dict[str, Any]:
        identity_map = self.session.sync_session.identity_map
        loaded = {key: identity_map.get(identity_key(cls, ident)) for key, ident in keys.items()}
        return {key: row for key, row in loaded.items() if isinstance(row, cls)}

    async def agents_in_wrap_up_until(self, tenant: str, now: datetime) -> list[Agent]:
        return list(await self.session.scalars(
            select(Agent).where(Agent.tenant_id == tenant, Agent.state == "wrap_up",
                                Agent.wrap_up_until <= now)))

    async def agent_loads(self, tenant: str) -> dict[str, dict[str, int]]:
        """agent id -> channel -> tasks offered to or held by the agent (derived, never stored)."""
        # The holding tasks' rows, counted here: with a GROUP BY on the agent SQLite (no statistics)
        # walks the tenant's agent index, every task the tenant ever had (300 ms at 300,000 tasks);
        # without it the status index gives just the few tasks held now (0.2 ms).
        rows = await self.session.execute(
            select(Task.agent_id, Task.channel)
            .where(Task.tenant_id == tenant, Task.status.in_(HOLDING_STATUSES)))
        loads: dict[str, dict[str, int]] = {}
        for agent_id, channel in rows:
            if agent_id is not None:
                by_channel = loads.setdefault(agent_id, {})
                by_channel[channel] = by_channel.get(channel, 0) + 1
        return loads

    def record_state(self, agent: Agent, at: datetime) -> None:
        self.session.add(AgentStateChange(tenant_id=agent.tenant_id, agent_id=agent.id,
                                          state=agent.state, reason=agent.reason, at=at))

    # tasks
    async def task(self, tenant: str, task_id: str) -> Task | None:
        return await self.session.scalar(select(Task).where(Task.tenant_id == tenant, Task.id == task_id))

    async def tasks_by_id(self, tenant: str, task_ids: set[str]) -> dict[str, Task]:
        """These tasks: those this transaction has loaded from its identity map, the rest in one read."""
        found = self._loaded(Task, {task_id: (task_id,) for task_id in task_ids})
        if missing := task_ids - found.keys():
            found.update((task.id, task) for task in await self.session.scalars(
                select(Task).where(Task.tenant_id == tenant, Task.id.in_(missing))))
        return found

    async def open_task_for_conversation(self, tenant: str, conversation_id: str) -> Task | None:
        return await self.session.scalar(
            select(Task).where(Task.tenant_id == tenant, Task.conversation_id == conversation_id,
                               Task.status.in_(OPEN_STATUSES)).order_by(Task.created_at.desc()).limit(1))

    async def open_tasks_for_conversations(self, tenant: str, conversation_ids: list[str]) -> dict[str, Task]:
        """conversation id -> its open task (the newest), for a batch of conversations at once."""
        rows = await self.session.scalars(
            select(Task).where(Task.tenant_id == tenant, Task.conversation_id.in_(set(conversation_ids)),
                               Task.status.in_(OPEN_STATUSES)).order_by(Task.created_at))
        return {task.conversation_id: task for task in rows}

    async def conversations_with_tasks(self, tenant: str, conversation_ids: set[str]) -> set[str]:
        """Which of these conversations have any task, closed ones included."""
        rows = await self.session.scalars(
            select(Task.conversation_id).distinct()
            .where(Task.tenant_id == tenant, Task.conversation_id.in_(conversation_ids)))
        return set(rows)

    async def latest_task_for_conversation(self, tenant: str, conversation_id: str) -> Task | None:
        return await self.session.scalar(
            select(Task).where(Task.tenant_id == tenant, Task.conversation_id == conversation_id)
            .order_by(Task.created_at.desc()).limit(1))

    async def last_agent_of_customer(self, tenant: str, customer_id: str) -> str | None:
        return await self.session.scalar(
            select(Task.agent_id).where(Task.tenant_id == tenant, Task.customer_id == customer_id,
                                        Task.status == "completed")
            .order_by(Task.ended_at.desc()).limit(1))

    async def task_rows_with_status(self, tenant: str, statuses: tuple[str, ...],
                                    columns: tuple[Any, ...]) -> list[Row[Any]]:
        """These columns of the tasks in these statuses (a decision pass's memory reads them)."""
        return list(await self.session.execute(
            select(*columns).where(Task.tenant_id == tenant, Task.status.in_(statuses))))

    async def tasks_with_status(self, tenant: str, *statuses: str) -> list[Task]:
        return list(await self.session.scalars(
            select(Task).where(Task.tenant_id == tenant, Task.status.in_(statuses))
            .order_by(Task.created_at)))

    async def offers_expired_by(self, tenant: str, now: datetime) -> list[Task]:
        return list(await self.session.scalars(
            select(Task).where(Task.tenant_id == tenant, Task.status == "offered",
                               Task.offer_expires_at <= now).order_by(Task.created_at)))

    async def desktop_agents(self, tenant: str, agent_ids: set[str]) -> UnreadRows:
        """These agents' columns a desktop shows, as the driver gives them, and how to read one
        (a `DesktopAgent`): a feed's round mostly finds the rows it read last time."""
        rows, read = await fetch_unread(self.session, _DESKTOP_AGENTS,
                                        {"tenant": tenant, "ids": list(agent_ids)})
        return rows, lambda row: DesktopAgent(*read(row))

    async def tasks_of_agents(self, tenant: str, agent_ids: set[str]) -> UnreadRows:
        """The tasks offered to or held by any of these agents, oldest first: the columns a
        desktop shows, as the driver gives them (the agent's id at `DESKTOP_TASK_AGENT`), and
        how to read one (a `DesktopTask`)."""
        rows, read = await fetch_unread(self.session, _DESKTOP_TASKS,
                                        {"tenant": tenant, "ids": list(agent_ids)})
        return rows, lambda row: DesktopTask(*read(row))

    async def tasks_of_agent(self, tenant: str, agent_id: str) -> list[Task]:
        return list(await self.session.scalars(
            select(Task).where(Task.tenant_id == tenant, Task.agent_id == agent_id,
                               Task.status.in_(HOLDING_STATUSES)).order_by(Task.created_at)))

    async def count_with_status(self, tenant: str, status: str) -> int:
        return int(await self.session.scalar(
            select(func.count()).select_from(Task)
            .where(Task.tenant_id == tenant, Task.status == status)) or 0)

    async def waiting_count(self, tenant: str, queue_id: str) -> int:
        return int(await self.session.scalar(
            select(func.count()).select_from(Task)
            .where(Task.tenant_id == tenant, Task.queue_id == queue_id, Task.status == "queued")) or 0)

    async def tasks_since(self, tenant: str, since: datetime, until: datetime | None = None) -> list[Task]:
        query = select(Task).where(Task.tenant_id == tenant, Task.created_at >= since)
        if until is not None:
            query = query.where(Task.created_at < until)
        return list(await self.session.scalars(query.order_by(Task.created_at)))

    async def last_offered_agent(self, tenant: str, queue_id: str) -> str | None:
        return await self.session.scalar(
            select(Reservation.agent_id).join(Task, Task.id == Reservation.task_id)
            .where(Reservation.tenant_id == tenant, Task.queue_id == queue_id)
            .order_by(Reservation.offered_at.desc()).limit(1))

    async def offers_between(self, tenant: str, since: datetime, until: datetime) -> list[Reservation]:
        return list(await self.session.scalars(
            select(Reservation).where(Reservation.tenant_id == tenant, Reservation.offered_at >= since,
                                      Reservation.offered_at < until).order_by(Reservation.offered_at)))

    async def open_reservation(self, tenant: str, task_id: str) -> Reservation | None:
        return await self.session.scalar(
            select(Reservation).where(Reservation.tenant_id == tenant, Reservation.task_id == task_id,
                                      Reservation.outcome == "pending"))

    async def state_history(self, tenant: str, since: datetime, until: datetime) -> list[AgentStateChange]:
        """The changes in [since, until), each agent's last change before `since` first (its state then)."""
        latest_before = (
            select(AgentStateChange.agent_id, func.max(AgentStateChange.seq).label("seq"))
            .where(AgentStateChange.tenant_id == tenant, AgentStateChange.at < since)
            .group_by(AgentStateChange.agent_id).subquery())
        earlier = list(await self.session.scalars(
            select(AgentStateChange).join(latest_before, AgentStateChange.seq == latest_before.c.seq)))
        return earlier + list(await self.session.scalars(
            select(AgentStateChange).where(AgentStateChange.tenant_id == tenant,
                                           AgentStateChange.at >= since, AgentStateChange.at < until)
            .order_by(AgentStateChange.at, AgentStateChange.seq)))

    async def tenants_with_timed_work(self) -> list[str]:
        """Tenants with something a clock must move on: offers, grace periods, waits, wrap-ups."""
        tasks = select(Task.tenant_id).where(Task.status.in_(("pending", "queued", "offered")))
        agents = select(Agent.tenant_id).where(Agent.state == "wrap_up")
        rows = await self.session.execute(tasks.union(agents), execution_options={"all_tenants": True})
        return sorted({row[0] for row in rows})

    def add(self, row: Skill | Queue | RoutingRule | Agent | Task | Reservation) -> None:
        self.session.add(row)

    async def delete(self, row: Skill | Queue | RoutingRule | Agent) -> None:
        await self.session.delete(row)

    async def flush(self) -> None:
        await self.session.flush()


def generation_of(connection: Connection, tenant: str) -> int | None:
    """The tenant's routing generation as this transaction sees it (from a commit listener, hence
    synchronous); None when the tenant has no routing row yet."""
    generation = connection.execute(
        select(TenantRouting.generation).where(TenantRouting.tenant_id == tenant)).scalar()
    return None if generation is None else int(generation)
