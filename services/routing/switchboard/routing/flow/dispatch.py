"""One decision pass: the tenant's waiting tasks and signed-in agents fed to the engine.

The engine is built for each pass, inside the transaction that holds the tenant's routing
lock, from the tenant's committed agents and tasks (kept in memory between passes while
the database says they are current, `hot.py`) and the transaction's own changes;
agents' loads are counted from the tasks they hold. A pass therefore always decides on
committed state, and a replica that dies loses nothing: the next pass, on any replica,
starts from the same rows.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from prometheus_client import Counter

from switchboard.common.events.routing import AgentAvailabilityChanged, TaskOffered
from switchboard.routing.engine.agents import Agent as EngineAgent
from switchboard.routing.engine.engine import Engine
from switchboard.routing.engine.engine import Task as EngineTask
from switchboard.routing.engine.escalation import (
    EscalationPolicy,
    effective_priority,
    effective_skills,
    holds_for_preferred_agent,
)
from switchboard.routing.engine.strategies import RoundRobin, Strategy
from switchboard.routing.flow.availability import may_lend_blended, voice_availability
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.hot import AgentRow, TaskRow
from switchboard.routing.flow.inputs import decision_state
from switchboard.routing.flow.snapshot import engine_agent
from switchboard.routing.models import Queue, Reservation, Task

DECISION_PASSES = Counter("sb_routing_decision_passes", "Decision passes run")


async def dispatch(flow: Flow) -> list[Task]:
    """Offer waiting tasks to free agents, best task first across queues; returns the offered tasks.

    The order is strict per (queue, channel) line: a head nobody can take now holds its line,
    not the queue's other channels.

    Every change of routing state ends with a pass, which then tells the dialer if the number
    of agents free for outbound changed (`routing.agent.availability_changed`).
    """
    DECISION_PASSES.inc()
    await flow.repo.flush()  # the transaction's own changes, laid over the memory
    state = await decision_state(flow.uow.session, flow.tenant)
    waiting = state.waiting()
    signed_in = list(state.agents())
    available = [a for a in signed_in if a.state == "available"]
    loads = state.loads() if available else {}
    views = {a.id: engine_agent(a, loads.get(a.id, {})) for a in available}
    offered = await _offer_waiting(flow, waiting, signed_in, views) if waiting and views else []
    # Only worth asking the queues when a blended agent is free for a call.
    lendable = any(a.blended and views[a.id].has_room("voice") for a in available)
    if lendable:
        taken = {task.id for task in offered}
        lendable = await may_lend_blended(flow, [task for task in waiting if task.id not in taken])
    now = voice_availability(((a, views[a.id]) for a in available), lendable)
    await announce_availability(flow, now)
    return offered


async def announce_availability(flow: Flow, now: tuple[int, int]) -> None:
    """Publish the voice availability when it differs from the tenant's last announced one."""
    if flow.announced == now:
        return
    row = await flow.repo.tenant_routing(flow.tenant)
    row.available_agents, row.blended_agents = flow.announced = now
    await flow.emit(AgentAvailabilityChanged(available_agents=now[0], blended_agents=now[1],
                                             at=flow.now), f"availability-{flow.tenant}")


async def _offer_waiting(flow: Flow, waiting: list[TaskRow], signed_in: list[AgentRow],
                         views: dict[str, EngineAgent]) -> list[Task]:
    """Decide every offer of the pass on the engine, then record them, in the order decided."""
    queues = await flow.queues()
    engine = await _build_engine(flow, views, queues)
    rows = {}
    decided: list[tuple[TaskRow, str]] = []
    signed_in_by_id = {a.id: a for a in signed_in}
    for task in waiting:
        queue = queues.get(task.queue_id or "")
        if queue is None:
            continue
        holder = signed_in_by_id.get(await _preferred_agent(flow, task, queue) or "")
        if holder is not None and engine_agent(holder, {}).qualifies(task.required_skills):
            preferred = engine.agents.get(holder.id)  # only available agents are in the engine
            if preferred is not None and preferred.has_room(task.channel):
                preferred.load[task.channel] = preferred.load.get(task.channel, 0) + 1
                engine.refresh(preferred)
                decided.append((task, preferred.agent_id))
            continue  # held for the agent who served this customer last
        rows[task.id] = task
        engine.enqueue(_engine_task(flow, task, queue))
    blocked: set[tuple[str, str]] = set()
    while True:
        heads = [(head, line) for line in engine.lines()
                 if line not in blocked and (head := engine.head(*line))]
        if not heads:
            break
        # Live contacts first, every one of them, then the messages customers left.
        best, line = min(heads, key=lambda hl: (hl[0].message, -hl[0].priority, hl[0].enqueued_at))
        reservation = engine.offer_next(*line)
        if reservation is None:
            # Its head waits for a qualified agent with room on its channel, and the line behind
            # it too; other lines, the queue's other channels among them, may still go.
            blocked.add(line)
            continue
        decided.append((rows[best.task_id], reservation.agent_id))
    return await _record_offers(flow, decided)


async def _record_offers(flow: Flow, decided: list[tuple[TaskRow, str]]) -> list[Task]:
    """The decided offers written: the tasks and agents read in one query each (those this
    transaction has not loaded already)."""
    if not decided:
        return []
    tasks = await flow.repo.tasks_by_id(flow.tenant, {row.id for row, _ in decided})
    # held here: the session's identity map keeps unchanged rows only while someone does
    agents = await flow.repo.agents_by_id(flow.tenant, {agent_id for _, agent_id in decided})
    offered = []
    for row, agent_id in decided:
        task = tasks[row.id]
        await record_offer(flow, task, agent_id)
        offered.append(task)
    del agents
    return offered


async def _build_engine(flow: Flow, views: dict[str, EngineAgent], queues: dict[str, Queue]) -> Engine:
    """The engine over the available agents' views: its offers update their loads in place."""
    now = flow.now.timestamp()
    engine = Engine(clock=lambda: now, accept_timeout=flow.settings.offer_timeout_seconds)
    for view in views.values():
        engine.add_agent(view)
    for queue in queues.values():
        strategy = Strategy(queue.strategy)
        engine.set_strategy(queue.id, strategy, seed=int(now * 1000))
        if strategy is Strategy.ROUND_ROBIN:
            picker = RoundRobin()
            picker.last = await flow.repo.last_offered_agent(flow.tenant, queue.id) or ""
            engine.set_picker(queue.id, picker)
    return engine


async def _preferred_agent(flow: Flow, task: TaskRow, queue: Queue) -> str | None:
    """The agent who last served this returning customer, while the queue's hold time runs.

    The task is held for them while they are signed in (in wrap-up, not ready or busy too):
    offered as soon as they have room, to no one else until the hold time ends."""
    policy = EscalationPolicy.from_settings(queue.escalation)
    if task.customer_id is None or not holds_for_preferred_agent(policy, flow.seconds_since(task.created_at)):
        return None
    return await flow.repo.last_agent_of_customer(flow.tenant, task.customer_id)


def _engine_task(flow: Flow, task: TaskRow, queue: Queue) -> EngineTask:
    policy = EscalationPolicy.from_settings(queue.escalation)
    waited = flow.seconds_since(task.created_at)
    return EngineTask(
        task.id, queue.id, task.channel,
        # A message is worked in order of arrival (tier and rule first): it does not age up.
        priority=task.priority if task.message else effective_priority(policy, task.priority, waited),
        required_skills=effective_skills(policy, task.required_skills, waited),
        enqueued_at=task.created_at.timestamp(), message=task.message,
    )


async def record_offer(flow: Flow, task: Task, agent_id: str) -> None:
    expires_at = flow.now + timedelta(seconds=flow.settings.offer_timeout_seconds)
    task.status, task.agent_id, task.offer_expires_at = "offered", agent_id, expires_at
    agent = await flow.repo.agent_by_key(flow.tenant, agent_id)
    if agent is not None:
        agent.idle_since = flow.now  # as the engine does: idle counts from the last offer
    flow.agent_changed(agent_id)
    flow.repo.add(Reservation(id=str(uuid.uuid4()), tenant_id=flow.tenant, task_id=task.id,
                              agent_id=agent_id, offered_at=flow.now, expires_at=expires_at,
                              outcome="pending"))
    await flow.emit(TaskOffered(task_id=task.id, conversation_id=task.conversation_id,
                                queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                                agent_id=agent_id, expires_at=expires_at), task.conversation_id)


async def withdraw_offer(flow: Flow, task: Task, outcome: str) -> None:
    """An offer ends without acceptance (rejected, expired, withdrawn): the task keeps its place."""
    reservation = await flow.repo.open_reservation(flow.tenant, task.id)
    if reservation is not None:
        reservation.outcome, reservation.decided_at = outcome, flow.now
    agent = await flow.repo.agent(flow.tenant, task.agent_id or "")
    if agent is not None:
        agent.idle_since = flow.now
        flow.agent_changed(agent.id)
    task.status, task.agent_id, task.offer_expires_at = "message" if task.message else "queued", None, None


async def offer_to_reserved_agent(flow: Flow, task: Task, agent_id: str) -> bool:
    """The dialer reserved this agent (e.g. a promised callback): offer straight to them if free."""
    agent = await flow.repo.agent(flow.tenant, agent_id)
    if agent is None or task.status != "queued":
        return False
    loads = await flow.repo.agent_loads(flow.tenant)
    if not engine_agent(agent, loads.get(agent.id, {})).has_room(task.channel):
        return False  # not free: the task goes to the best agent of its queue instead
    await record_offer(flow, task, agent.id)
    return True
