"""Events published by `routing`: tasks, offers and agents."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from switchboard.common.events.base import Payload, register

AgentState = Literal["logged_out", "available", "busy", "wrap_up", "not_ready"]


class _Routing(Payload):
    service = "routing"


class _TaskEvent(_Routing):
    task_id: str
    conversation_id: str
    queue_id: str
    channel: str
    at: datetime


@register
class TaskCreated(_Routing):
    name = "task.created"
    summary = "A contact opened a task; it is routed to a queue once its profile or the grace period is in."
    task_id: str
    conversation_id: str
    channel: str
    direction: Literal["inbound", "outbound"] = "inbound"
    at: datetime


@register
class TaskQueued(_TaskEvent):
    name = "task.queued"
    summary = "A contact entered a queue and waits for an agent."
    priority: int = 0
    customer_id: str | None = None


@register
class TaskOffered(_TaskEvent):
    name = "task.offered"
    summary = "A task was reserved for one agent, who must accept before the timeout."
    agent_id: str
    expires_at: datetime


@register
class TaskAccepted(_TaskEvent):
    name = "task.accepted"
    summary = "An agent accepted the task."
    agent_id: str
    wait_seconds: float


@register
class TaskCompleted(_TaskEvent):
    name = "task.completed"
    summary = "An agent completed the task with a disposition; carries wait, talk and wrap times."
    agent_id: str
    customer_id: str | None = None
    disposition: str | None = None
    notes: str | None = None
    wait_seconds: float = 0.0
    talk_seconds: float = 0.0
    wrap_seconds: float = 0.0


@register
class TaskAbandoned(_TaskEvent):
    name = "task.abandoned"
    summary = ("The contact ended before an agent answered: the customer left, or routing gave up "
               "(queue full, maximum wait passed).")
    wait_seconds: float
    customer_id: str | None = None
    reason: Literal["customer", "queue_full", "max_wait"] = "customer"


@register
class TaskCallbackScheduled(_TaskEvent):
    name = "task.callback_scheduled"
    summary = ("A voice caller waited past the queue's callback threshold: the task keeps its place "
               "after the caller hangs up, and the agent who gets it calls back.")
    customer_id: str | None = None
    wait_seconds: float


@register
class TaskDivertedToMessage(_TaskEvent):
    name = "task.diverted_to_message"
    summary = ("The contact left the live queue to leave a message (a voicemail, or a chat's or "
               "SMS's written message): it waits in the queue's message backlog, which agents "
               "work in order of arrival when no live contact needs them.")
    customer_id: str | None = None
    wait_seconds: float
    reason: Literal["escalation", "after_hours", "queue_full", "max_wait"]


@register
class TaskTransferred(_TaskEvent):
    name = "task.transferred"
    summary = "A task moved to another queue or agent."
    from_agent_id: str | None = None
    to_queue_id: str | None = None
    to_agent_id: str | None = None


@register
class AgentStateChanged(_Routing):
    name = "agent.state_changed"
    summary = "An agent's state changed (sign-in, available, not-ready with reason, wrap-up)."
    agent_id: str
    state: AgentState
    reason: str | None = None
    at: datetime


@register
class AgentAvailabilityChanged(_Routing):
    name = "agent.availability_changed"
    summary = "How many agents are free for outbound work, for the dialer's pacing."
    queue_id: str | None = None
    available_agents: int
    blended_agents: int = 0
    at: datetime
