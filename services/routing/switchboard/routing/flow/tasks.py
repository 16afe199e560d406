"""An agent's work on a task: accept or reject the offer, complete with a disposition, transfer."""

from __future__ import annotations

from switchboard.common.errors import Conflict, NotFound
from switchboard.common.events.routing import TaskAccepted, TaskCompleted, TaskTransferred
from switchboard.routing.flow.agents import start_wrap_up
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.dispatch import engine_agent, record_offer, withdraw_offer
from switchboard.routing.flow.intake import enqueue, merged_skills, priority_of
from switchboard.routing.models import Agent, Task


def _offered_to(flow: Flow, task: Task, agent_id: str) -> None:
    if task.status != "offered" or task.agent_id != agent_id:
        raise Conflict(f"task {task.id} is not offered to agent {agent_id} (it is {task.status})")
    if task.offer_expires_at is not None and task.offer_expires_at <= flow.now:
        raise Conflict(f"the offer of task {task.id} expired at {task.offer_expires_at.isoformat()}")


def _held_by(task: Task, agent_id: str) -> None:
    if task.status != "accepted" or task.agent_id != agent_id:
        raise Conflict(f"task {task.id} is not held by agent {agent_id} (it is {task.status})")


async def accept(flow: Flow, task: Task, agent: Agent) -> None:
    _offered_to(flow, task, agent.id)
    reservation = await flow.repo.open_reservation(flow.tenant, task.id)
    if reservation is not None:
        reservation.outcome, reservation.decided_at = "accepted", flow.now
    task.status, task.accepted_at, task.offer_expires_at = "accepted", flow.now, None
    task.wait_seconds = flow.seconds_since(task.created_at)
    agent.missed_offers = 0
    await flow.emit(TaskAccepted(task_id=task.id, conversation_id=task.conversation_id,
                                 queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                                 agent_id=agent.id, wait_seconds=task.wait_seconds), task.conversation_id)


async def reject(flow: Flow, task: Task, agent: Agent) -> None:
    _offered_to(flow, task, agent.id)
    await withdraw_offer(flow, task, outcome="rejected")


async def complete(flow: Flow, task: Task, agent: Agent, disposition: str, notes: str | None) -> None:
    _held_by(task, agent.id)
    queue = await flow.repo.queue(flow.tenant, task.queue_id or "")
    wrap = float(queue.wrap_up_seconds) if queue else 0.0
    task.status, task.ended_at, task.disposition, task.notes = "completed", flow.now, disposition, notes
    task.talk_seconds, task.wrap_seconds = flow.seconds_since(task.accepted_at), wrap
    await flow.emit(TaskCompleted(task_id=task.id, conversation_id=task.conversation_id,
                                  queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                                  agent_id=agent.id, customer_id=task.customer_id, disposition=disposition,
                                  notes=notes, wait_seconds=task.wait_seconds or 0.0,
                                  talk_seconds=task.talk_seconds, wrap_seconds=wrap), task.conversation_id)
    await start_wrap_up(flow, agent, wrap)


async def transfer_to_queue(flow: Flow, task: Task, agent: Agent, queue_id: str) -> None:
    """Back into a queue, keeping the customer's place (ordered by arrival, not by transfer)."""
    _held_by(task, agent.id)
    queue = await flow.repo.queue(flow.tenant, queue_id)
    if queue is None:
        raise NotFound(f"no queue {queue_id}")
    if task.channel not in queue.channels:
        raise Conflict(f"queue {queue.name!r} does not serve the {task.channel} channel")
    task.transfers += 1
    task.required_skills = merged_skills(queue.required_skills)
    await flow.emit(_transferred(flow, task, agent.id, to_queue_id=queue.id), task.conversation_id)
    await enqueue(flow, task, queue)


async def transfer_to_agent(flow: Flow, task: Task, agent: Agent, target: Agent) -> None:
    """Offered straight to a colleague, who must have a free slot on the task's channel now."""
    _held_by(task, agent.id)
    if target.id == agent.id:
        raise Conflict("a task cannot be transferred to the agent who holds it")
    loads = await flow.repo.agent_loads(flow.tenant)
    if not engine_agent(target, loads.get(target.id, {})).has_room(task.channel):
        raise Conflict(f"agent {target.id} has no free {task.channel} slot ({target.state})")
    task.transfers += 1
    await flow.emit(_transferred(flow, task, agent.id, to_agent_id=target.id), task.conversation_id)
    agent.idle_since = flow.now
    await record_offer(flow, task, target.id)


def _transferred(flow: Flow, task: Task, from_agent: str | None, **to: str) -> TaskTransferred:
    return TaskTransferred(task_id=task.id, conversation_id=task.conversation_id,
                           queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                           from_agent_id=from_agent, **to)


async def move_or_reprioritize(flow: Flow, task: Task, queue_id: str | None, priority: int | None) -> None:
    """A supervisor moves a waiting task to another queue (keeping its place) or sets its priority."""
    if task.status not in ("queued", "message"):
        raise Conflict(f"only a waiting task can be moved or reprioritized; task {task.id} is {task.status}")
    if priority is not None:
        task.rule_priority = priority
    if queue_id is not None and queue_id != task.queue_id:
        queue = await flow.repo.queue(flow.tenant, queue_id)
        if queue is None:
            raise NotFound(f"no queue {queue_id}")
        if task.channel not in queue.channels:
            raise Conflict(f"queue {queue.name!r} does not serve the {task.channel} channel")
        task.required_skills = merged_skills(queue.required_skills)
        await flow.emit(_transferred(flow, task, None, to_queue_id=queue.id), task.conversation_id)
        await enqueue(flow, task, queue)
    else:
        task.priority = priority_of(task)
