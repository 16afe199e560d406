"""How many numbers to dial now: progressive (one per free agent) or predictive (dial ahead)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

ABANDON_TARGET = 0.03
MIN_RING_SECONDS = 15.0  # an unanswered call rings at least this long
CONNECT_GRACE_SECONDS = 2.0  # an answered call reaching no agent within this is abandoned


@dataclass(frozen=True)
class FloorState:
    free_agents: int  # available for this campaign, blended agents included
    busy_agents: int
    calls_in_flight: int  # dialled and not yet answered or given up


def progressive_dials(floor: FloorState) -> int:
    """One call per free agent that has no call ringing for it: never abandons."""
    return max(0, floor.free_agents - floor.calls_in_flight)


@dataclass
class AbandonWindow:
    """Answered calls over a rolling window of the last `size`, and how many were abandoned."""

    size: int = 500
    _answered: deque[bool] = field(default_factory=deque)

    def record(self, abandoned: bool) -> None:
        self._answered.append(abandoned)
        if len(self._answered) > self.size:
            self._answered.popleft()

    @property
    def rate(self) -> float:
        return sum(self._answered) / len(self._answered) if self._answered else 0.0

    def __len__(self) -> int:
        return len(self._answered)


@dataclass
class PredictivePacer:
    """Dials for the agents expected free when the calls answer, throttled to the abandon target.

    `gain` scales the dial-ahead; it shrinks quickly when the rolling abandon rate is over the
    target and grows slowly while it is under, so the rate settles just below the target.
    """

    target: float = ABANDON_TARGET
    answer_rate: float = 0.3
    handle_seconds: float = 180.0
    ring_seconds: float = 20.0
    gain: float = 1.0
    window: AbandonWindow = field(default_factory=AbandonWindow)

    def observe_answer(self, abandoned: bool) -> None:
        self.window.record(abandoned)
        if len(self.window) < 20:
            return
        if self.window.rate > self.target * 0.8:
            self.gain = max(0.3, self.gain * 0.97)
        else:
            self.gain = min(3.0, self.gain * 1.01)

    def observe_rates(self, answer_rate: float, handle_seconds: float) -> None:
        self.answer_rate = min(1.0, max(0.01, answer_rate))
        self.handle_seconds = max(1.0, handle_seconds)

    def dials(self, floor: FloorState) -> int:
        finishing = 1.0 - math.exp(-self.ring_seconds / self.handle_seconds)
        expected_free = floor.free_agents + self.gain * floor.busy_agents * finishing
        wanted_answers = expected_free - floor.calls_in_flight * self.answer_rate
        if self.window.rate > self.target:
            # Over the limit: back to one call per free agent until the window recovers.
            return progressive_dials(floor)
        return max(progressive_dials(floor), math.floor(wanted_answers * self.gain / self.answer_rate))
