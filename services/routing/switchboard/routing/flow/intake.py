"""Contacts becoming tasks: open, wait briefly for the profile, pick a queue by the rules.

A task opens `pending` on the first inbound message or call of a conversation. It is
routed as soon as both the contact and the customer's profile are in, or when the
grace period runs out (then with defaults; a profile arriving later re-prioritizes it).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from switchboard.common.events.routing import TaskAbandoned, TaskCreated, TaskQueued
from switchboard.routing.engine.hours import is_open
from switchboard.routing.engine.priority import task_priority
from switchboard.routing.engine.rules import ContactFacts, Rule, first_match
from switchboard.routing.flow.context import Flow
from switchboard.routing.flow.messages import MessageReason, divert_to_message
from switchboard.routing.models import Queue, Task

log = logging.getLogger(__name__)

TEXT_KEPT_FOR_RULES = 500
AbandonReason = Literal["customer", "queue_full", "max_wait"]


async def open_task(
    flow: Flow, conversation_id: str, channel: str, *, direction: str = "inbound",
    facts: dict[str, Any] | None = None, call_id: str | None = None, attempt_id: str | None = None,
    has_contact: bool = True,
) -> tuple[Task, bool]:
    """The conversation's open task, or a new pending one (True when new)."""
    task = await flow.open_task_for(conversation_id)
    if task is not None:
        if has_contact and not task.facts.get("has_contact"):
            task.facts = {**task.facts, **(facts or {}), "has_contact": True}
            task.call_id = task.call_id or call_id
        return task, False
    return await new_task(flow, conversation_id, channel, direction=direction, facts=facts, call_id=call_id,
                          attempt_id=attempt_id, has_contact=has_contact), True


async def new_task(
    flow: Flow, conversation_id: str, channel: str, *, direction: str = "inbound",
    facts: dict[str, Any] | None = None, call_id: str | None = None, attempt_id: str | None = None,
    has_contact: bool = True,
) -> Task:
    """A new pending task for a conversation that has no open one (routing.task.created)."""
    task = Task(
        id=str(uuid.uuid4()), tenant_id=flow.tenant, conversation_id=conversation_id, channel=channel,
        direction=direction, status="pending", priority=0, rule_priority=0, required_skills={},
        facts={**(facts or {}), "has_contact": has_contact}, profile_known=False,
        grace_until=flow.now + timedelta(seconds=flow.settings.profile_grace_seconds),
        escalation_level=0, transfers=0, call_id=call_id, attempt_id=attempt_id, created_at=flow.now,
    )
    flow.repo.add(task)
    if flow.open_tasks is not None:
        flow.open_tasks[conversation_id] = task
    await flow.emit(TaskCreated(task_id=task.id, conversation_id=conversation_id, channel=channel,
                                direction="outbound" if direction == "outbound" else "inbound",
                                at=flow.now), conversation_id)
    return task


def contact_facts(task: Task) -> ContactFacts:
    facts = task.facts
    return ContactFacts(
        channel=task.channel, tier=task.tier, language=facts.get("language"),
        text=facts.get("text") or "", dialed_number=facts.get("dialed_number"),
        ivr_selection=facts.get("ivr_selection"), segments=tuple(facts.get("segments") or ()),
    )


def ready_to_route(task: Task) -> bool:
    return task.status == "pending" and bool(task.facts.get("has_contact")) and task.profile_known


async def route(flow: Flow, task: Task) -> bool:
    """Pick the queue by the first matching rule (or the default queue) and queue the task."""
    # Only queues serving the task's channel are candidates, whatever a rule's conditions say.
    serving = {q.id: q for q in (await flow.queues()).values() if task.channel in q.channels}
    match = first_match([Rule(r.id, r.queue_id, r.conditions, r.priority, r.required_skills)
                         for r in await flow.rules() if r.queue_id in serving],
                        contact_facts(task))
    default = next((q for q in serving.values() if q.is_default), None)
    queue = serving[match.queue_id] if match else default
    if queue is None:
        log.warning("no rule matched and no default queue serves the channel; task left pending",
                    extra={"fields": {"task_id": task.id}})
        return False
    task.rule_id = match.rule_id if match else None
    task.rule_priority = match.priority if match else 0
    rule_skills = match.required_skills if match else {}
    task.required_skills = merged_skills(queue.required_skills, rule_skills)
    task.facts = {k: v for k, v in task.facts.items() if k != "text"}  # no message content kept
    admission = await admit(flow, queue)
    if admission.outcome == "message":
        await divert_to_message(flow, task, admission.queue, admission.reason)
        return True
    if admission.outcome == "refused":
        task.queue_id = admission.queue.id
        await abandon(flow, task, reason="queue_full")
        return False
    await enqueue(flow, task, admission.queue)
    return True


@dataclass(frozen=True)
class Admission:
    """Where a new contact goes: into a queue's live line, its message backlog, or nowhere."""

    outcome: Literal["queued", "message", "refused"]
    queue: Queue
    reason: MessageReason = "queue_full"


async def admit(flow: Flow, queue: Queue) -> Admission:
    """After hours: the after-hours queue if any, else a message if the queue says so, else wait
    for the opening. A full queue: its overflow queue if that is not full, else a message or a
    refusal by the queue's `limit_action`."""
    hours = queue.business_hours or {}
    if not is_open(hours, flow.now):
        after_hours = (await flow.queues()).get(hours.get("after_hours_queue_id") or "")
        if after_hours is None and hours.get("after_hours_action") == "message":
            return Admission("message", queue, "after_hours")
        queue = after_hours or queue  # no after-hours queue: it waits for the opening
    if not await _is_full(flow, queue):
        return Admission("queued", queue)
    overflow = (await flow.queues()).get(queue.escalation.get("overflow_queue_id") or "")
    if overflow is not None and not await _is_full(flow, overflow):
        return Admission("queued", overflow)
    return Admission("message" if queue.limit_action == "message" else "refused", queue, "queue_full")


async def _is_full(flow: Flow, queue: Queue) -> bool:
    if queue.max_size is None:
        return False
    return await flow.repo.waiting_count(flow.tenant, queue.id) >= queue.max_size


async def enqueue(flow: Flow, task: Task, queue: Queue) -> None:
    """Into the queue's live line (a message task, transferred, into its message backlog)."""
    status = "message" if task.message else "queued"
    task.status, task.queue_id, task.queued_at, task.agent_id = status, queue.id, flow.now, None
    task.grace_until = None
    task.priority = priority_of(task)
    await flow.emit(TaskQueued(task_id=task.id, conversation_id=task.conversation_id, queue_id=queue.id,
                               channel=task.channel, at=flow.now, priority=task.priority,
                               customer_id=task.customer_id), task.conversation_id)


def priority_of(task: Task) -> int:
    return task_priority(task.rule_priority, task.tier, answered_outbound=task.direction == "outbound")


def merged_skills(*requirements: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for required in requirements:
        for skill, level in required.items():
            merged[skill] = max(level, merged.get(skill, 0))
    return merged


async def apply_profile(flow: Flow, task: Task, customer_id: str, tier: str, language: str | None,
                        segments: list[str]) -> None:
    """The customer is known: route a pending task now, or re-prioritize one already queued."""
    task.customer_id, task.tier, task.profile_known = customer_id, tier, True
    task.facts = {**task.facts, "language": language, "segments": list(segments)}
    if task.status in ("queued", "message"):
        task.priority = priority_of(task)


async def abandon(flow: Flow, task: Task, reason: AbandonReason = "customer") -> None:
    """The contact ends unanswered (the customer left, or routing gave up); a live offer is withdrawn."""
    if task.status == "offered":
        reservation = await flow.repo.open_reservation(flow.tenant, task.id)
        if reservation is not None:
            reservation.outcome, reservation.decided_at = "withdrawn", flow.now
    task.status, task.ended_at, task.agent_id = "abandoned", flow.now, None
    task.wait_seconds = flow.seconds_since(task.created_at)
    await flow.emit(TaskAbandoned(task_id=task.id, conversation_id=task.conversation_id,
                                  queue_id=task.queue_id or "", channel=task.channel, at=flow.now,
                                  wait_seconds=task.wait_seconds, customer_id=task.customer_id,
                                  reason=reason),
                    task.conversation_id)
