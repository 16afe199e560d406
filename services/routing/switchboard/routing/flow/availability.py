"""How many agents are free for a voice call: what the dialer paces outbound calls on."""

from __future__ import annotations

from collections.abc import Iterable

from switchboard.routing.engine.agents import Agent as EngineAgent
from switchboard.routing.models import Agent


def voice_availability(available: Iterable[tuple[Agent, EngineAgent]],
                       live_waiting: bool) -> tuple[int, int]:
    """Agents free for a voice call now, and how many of them are blended (lendable to outbound).

    `available` pairs each available agent's row with its engine view (its load after the
    pass's offers). Blended agents are lent only while no inbound task waits: a waiting task
    reclaims them. Messages in a backlog do not: they are worked when nothing live waits.
    """
    free = [row for row, agent in available if agent.has_room("voice")]
    return len(free), 0 if live_waiting else sum(1 for row in free if row.blended)
