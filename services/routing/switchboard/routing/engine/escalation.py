"""Escalation over wait time, the way tiered skill groups run: widen, overflow, callback, message.

A queue's escalation settings (all optional, seconds of waiting since the contact arrived):
`widen_after_seconds` lowers every required proficiency to `widen_to`; `overflow_after_seconds`
moves the task to `overflow_queue_id`; `callback_after_seconds` offers the customer a callback;
`message_after_seconds` takes the contact out of the live queue to leave a message, which
agents work later from the queue's message backlog.
`priority_per_minute` adds priority as a task ages, so old tasks of a busy queue overtake
new ones of another queue competing for the same agents. `preferred_agent_seconds` holds a
returning customer's task for the agent who last served them, for that long, if signed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EscalationPolicy:
    widen_after_seconds: float | None = None
    widen_to: int = 1
    overflow_after_seconds: float | None = None
    overflow_queue_id: str | None = None
    callback_after_seconds: float | None = None
    message_after_seconds: float | None = None
    priority_per_minute: float = 0.0
    preferred_agent_seconds: float = 0.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> EscalationPolicy:
        return cls(**(settings or {}))


def effective_skills(policy: EscalationPolicy, required: dict[str, int], waited: float) -> dict[str, int]:
    """After the widen threshold, agents of lower proficiency (down to `widen_to`) qualify too."""
    if policy.widen_after_seconds is None or waited < policy.widen_after_seconds:
        return dict(required)
    return {skill: min(level, policy.widen_to) for skill, level in required.items()}


def effective_priority(policy: EscalationPolicy, priority: int, waited: float) -> int:
    return priority + int(policy.priority_per_minute * waited / 60)


def should_overflow(policy: EscalationPolicy, waited: float) -> bool:
    return (
        policy.overflow_queue_id is not None
        and policy.overflow_after_seconds is not None
        and waited >= policy.overflow_after_seconds
    )


def should_offer_callback(policy: EscalationPolicy, waited: float) -> bool:
    return policy.callback_after_seconds is not None and waited >= policy.callback_after_seconds


def should_divert_to_message(policy: EscalationPolicy, waited: float) -> bool:
    """After K seconds the contact leaves the live queue to leave a message for the backlog."""
    return policy.message_after_seconds is not None and waited >= policy.message_after_seconds


def holds_for_preferred_agent(policy: EscalationPolicy, waited: float) -> bool:
    return waited < policy.preferred_agent_seconds
