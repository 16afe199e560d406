"""Delivery rules in plain Python: the order of states, provider status names, backoff."""

from __future__ import annotations

import hashlib
import json

# States a delivery moves through. A reported state is applied only if it moves the
# delivery forward: provider callbacks arrive out of order (a late "sent" after
# "delivered" must not undo it), and a final state is final.
_RANK = {
    "pending": 0, "sending": 0, "queued": 1, "sent": 2,
    "delivered": 3, "undelivered": 3, "failed": 3, "refused": 3, "read": 4,
}
FINAL = frozenset({"delivered", "undelivered", "failed", "refused", "read"})

# Twilio's MessageStatus values, as Switchboard's delivery states.
TWILIO_STATUS = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued",
    "sent": "sent", "delivered": "delivered", "undelivered": "undelivered",
    "failed": "failed", "canceled": "failed", "read": "read",
}


def status_rank(state: str) -> int:
    """Where a state stands in a delivery's life: reports of one message apply in this order."""
    return _RANK.get(state, -1)


def moves_forward(current: str, reported: str) -> bool:
    if current in FINAL and not (current == "delivered" and reported == "read"):
        return False
    return _RANK.get(reported, -1) > _RANK.get(current, 0)


def retry_delay(attempts: int, base_seconds: float, max_seconds: float) -> float:
    """Exponential backoff: base, 2 x base, 4 x base ... capped. `attempts` counts tries made."""
    return float(min(max_seconds, base_seconds * 2 ** max(0, attempts - 1)))


def request_fingerprint(**fields: object) -> str:
    """Same request, same fingerprint: an Idempotency-Key reused for another request is refused."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
