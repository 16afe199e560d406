"""A task's priority from the customer's tier, the matching rule, and the kind of contact."""

from __future__ import annotations

# An answered outbound call has a live customer on the line who must reach an agent
# within seconds, so it outranks anything a tier or rule can give.
ANSWERED_OUTBOUND = 1_000_000

TIER_BONUS = {"vip": 100, "gold": 50, "silver": 20}


def task_priority(rule_priority: int = 0, tier: str | None = None, answered_outbound: bool = False) -> int:
    if answered_outbound:
        return ANSWERED_OUTBOUND
    return rule_priority + TIER_BONUS.get((tier or "").lower(), 0)
