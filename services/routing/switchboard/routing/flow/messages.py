"""Leave-a-message: a contact the live queue will not serve now becomes a message task.

A contact leaves the live queue to leave a message when it waited past the queue's
`escalation.message_after_seconds`, arrives after hours at a queue whose action is
`message`, or meets a full queue or its maximum wait with `limit_action: message`.
The task keeps its queue and its arrival time and waits in the queue's message backlog
(status `message`): the maximum wait, overflow and callbacks no longer apply to it, the
customer hanging up or closing the chat does not end it (that is how a message is left),
and the dispatch pass offers it, oldest first, only to an agent no live contact can take.
"""

from __future__ import annotations

from typing import Literal

from switchboard.common.events.routing import TaskDivertedToMessage
from switchboard.routing.engine.escalation import EscalationPolicy, should_divert_to_message
from switchboard.routing.flow.context import Flow
from switchboard.routing.models import Queue, Task

MessageReason = Literal["escalation", "after_hours", "queue_full", "max_wait"]


async def divert_to_message(flow: Flow, task: Task, queue: Queue, reason: MessageReason) -> None:
    """The task leaves the live queue for the queue's message backlog (a live offer is not touched:
    only waiting tasks are diverted)."""
    task.status, task.queue_id, task.agent_id, task.grace_until = "message", queue.id, None, None
    task.queued_at = task.queued_at or flow.now
    task.facts = {**task.facts, "message_reason": reason, "message_at": flow.now.isoformat()}
    await flow.emit(TaskDivertedToMessage(task_id=task.id, conversation_id=task.conversation_id,
                                          queue_id=queue.id, channel=task.channel, at=flow.now,
                                          customer_id=task.customer_id, reason=reason,
                                          wait_seconds=flow.seconds_since(task.created_at)),
                    task.conversation_id)


async def divert_long_waits_to_messages(flow: Flow, waiting: list[Task]) -> None:
    """Escalation: a live task waiting past its queue's message threshold leaves a message instead."""
    queues = await flow.queues()
    for task in (t for t in waiting if t.status == "queued"):
        queue = queues.get(task.queue_id or "")
        if queue is None or task.callback:
            continue  # a scheduled callback already holds the customer's place
        policy = EscalationPolicy.from_settings(queue.escalation)
        if should_divert_to_message(policy, flow.seconds_since(task.created_at)):
            await divert_to_message(flow, task, queue, "escalation")


def record_message_left(task: Task, recording_ref: str | None) -> None:
    """The customer hung up on a voice message: keep the recording the PBX named, if any."""
    if recording_ref:
        task.facts = {**task.facts, "recording_ref": recording_ref}
