"""Sliding-window rate limits for visitors, kept in this process's memory.

Per process on purpose: they protect one replica from one abusive client and
need no shared store; with N replicas a client gets at most N times the limit.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from switchboard.common.errors import TooManyRequests


class RateLimiter:
    def __init__(self, limit: int, per_seconds: float = 60.0, max_keys: int = 100_000) -> None:
        self._limit = limit
        self._window = per_seconds
        self._max_keys = max_keys
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def check(self, key: str, what: str, now: float | None = None) -> None:
        at = time.monotonic() if now is None else now
        hits = self._hits[key]
        while hits and hits[0] <= at - self._window:
            hits.popleft()
        if len(hits) >= self._limit:
            raise TooManyRequests(f"too many {what}; at most {self._limit} per {self._window:g} seconds",
                                  retry_after=max(1, int(hits[0] + self._window - at) + 1))
        hits.append(at)
        if len(self._hits) > self._max_keys:  # forget idle clients rather than grow without bound
            for stale in [k for k, v in self._hits.items() if not v or v[-1] <= at - self._window]:
                del self._hits[stale]


@dataclass(frozen=True)
class ChatLimits:
    sessions_per_client: RateLimiter
    messages_per_session: RateLimiter

    @classmethod
    def from_settings(cls, settings: Any) -> ChatLimits:
        return cls(RateLimiter(settings.chat_sessions_per_minute),
                   RateLimiter(settings.chat_messages_per_minute))
