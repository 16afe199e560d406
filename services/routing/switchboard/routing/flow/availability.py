"""How many agents are free for a voice call: what the dialer paces outbound calls on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from switchboard.routing.flow.snapshot import engine_agent

if TYPE_CHECKING:
    from switchboard.routing.flow.context import Flow


async def voice_availability(flow: Flow) -> tuple[int, int]:
    """Agents free for a voice call now, and how many of them are blended (lendable to outbound).

    Blended agents are lent only while no inbound task waits: a waiting task reclaims them.
    """
    agents = [a for a in await flow.repo.signed_in_agents(flow.tenant) if a.state == "available"]
    if not agents:
        return 0, 0
    loads = await flow.repo.agent_loads(flow.tenant)
    free = [a for a in agents if engine_agent(a, loads.get(a.id, {})).has_room("voice")]
    waiting = await flow.repo.count_with_status(flow.tenant, "queued")
    return len(free), 0 if waiting else sum(1 for a in free if a.blended)
