"""When customers get in touch, and how: a Poisson process over a channel mix.

Independent customers arriving at a steady rate are a Poisson process, so the gaps between
contacts are exponential with mean 60 / rate seconds. The mix is what a hotline sees on a
weekday: voice still the largest share, then chat, SMS and email.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

CHANNEL_MIX: Mapping[str, float] = {"voice": 0.35, "chat": 0.3, "sms": 0.25, "email": 0.1}


@dataclass(frozen=True)
class Arrival:
    at: float  # seconds since the simulation started
    channel: str


def gap_seconds(rng: random.Random, rate_per_minute: float) -> float:
    """Seconds until the next contact: exponential, mean 60 / rate."""
    if rate_per_minute <= 0:
        raise ValueError("the rate must be positive")
    return rng.expovariate(rate_per_minute / 60.0)


def pick_channel(rng: random.Random, mix: Mapping[str, float] = CHANNEL_MIX) -> str:
    channels = list(mix)
    return rng.choices(channels, weights=[mix[c] for c in channels])[0]


def arrivals(rng: random.Random, rate_per_minute: float,
             mix: Mapping[str, float] = CHANNEL_MIX) -> Iterator[Arrival]:
    """An endless schedule of contacts, each at its time since the start."""
    at = 0.0
    while True:
        at += gap_seconds(rng, rate_per_minute)
        yield Arrival(at=at, channel=pick_channel(rng, mix))
