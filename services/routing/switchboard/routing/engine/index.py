"""Who is free for what: per-channel sets of agents with room, per-skill sets of agents."""

from __future__ import annotations

from switchboard.routing.engine.agents import Agent


class FreeAgentIndex:
    """Kept up to date on every load or state change, so a decision never scans all agents."""

    def __init__(self) -> None:
        self._free_by_channel: dict[str, set[str]] = {}
        self._by_skill: dict[str, set[str]] = {}

    def add_agent(self, agent: Agent) -> None:
        for skill in agent.skills:
            self._by_skill.setdefault(skill, set()).add(agent.agent_id)
        self.refresh(agent)

    def refresh(self, agent: Agent) -> None:
        for channel in agent.capacity:
            free = self._free_by_channel.setdefault(channel, set())
            if agent.has_room(channel):
                free.add(agent.agent_id)
            else:
                free.discard(agent.agent_id)

    def candidates(self, channel: str, required_skills: dict[str, int]) -> set[str]:
        """Agents with room on the channel who hold every required skill (level checked by the caller)."""
        sets = [self._free_by_channel.get(channel, set())]
        sets += [self._by_skill.get(skill, set()) for skill in required_skills]
        smallest = min(sets, key=len)
        return smallest.intersection(*[s for s in sets if s is not smallest])
