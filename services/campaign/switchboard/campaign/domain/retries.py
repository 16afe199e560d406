"""When to try a contact again after an outcome, and when to give up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Outcome(StrEnum):
    CONNECTED = "connected"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    MACHINE = "machine"
    ABANDONED = "abandoned"
    FAILED = "failed"
    DELIVERED = "delivered"


FINAL_OUTCOMES = frozenset({Outcome.CONNECTED, Outcome.DELIVERED})
NEXT_DAY = timedelta(days=1)


def _default_delays() -> dict[Outcome, timedelta]:
    return {
        Outcome.BUSY: timedelta(minutes=30),
        Outcome.NO_ANSWER: timedelta(hours=2),
        Outcome.MACHINE: NEXT_DAY,
        Outcome.ABANDONED: timedelta(hours=72),  # the UK rule: not again within 72 h
        Outcome.FAILED: timedelta(hours=2),
    }


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    delays: dict[Outcome, timedelta] = field(default_factory=_default_delays)

    def next_attempt_after(
        self, outcome: Outcome, attempts_made: int, ended_at: datetime
    ) -> datetime | None:
        """The earliest time for the next attempt (None: the contact is done).

        The calling window still applies on top of this earliest time.
        """
        if outcome in FINAL_OUTCOMES or attempts_made >= self.max_attempts:
            return None
        delay = self.delays.get(outcome)
        return None if delay is None else ended_at + delay
