"""Who is free for what: per-channel sets of agents with room, per-skill sets of agents, and
per (channel, skill) heaps of free agents by idle time for the longest-idle pick."""

from __future__ import annotations

import heapq

from switchboard.routing.engine.agents import Agent

ANY_SKILL = ""  # the heap of every free agent on a channel, for tasks that need no skill


class FreeAgentIndex:
    """Kept up to date on every load or state change, so a decision never scans all agents."""

    def __init__(self) -> None:
        self._free_by_channel: dict[str, set[str]] = {}
        self._by_skill: dict[str, set[str]] = {}
        # Lazy heaps: an entry is valid while the agent is free on the channel with that idle time.
        self._idle_heaps: dict[tuple[str, str], list[tuple[float, str]]] = {}
        self._pushed: dict[tuple[str, str], float] = {}

    def add_agent(self, agent: Agent) -> None:
        for skill in agent.skills:
            self._by_skill.setdefault(skill, set()).add(agent.agent_id)
        self.refresh(agent)

    def refresh(self, agent: Agent) -> None:
        for channel in agent.capacity:
            free = self._free_by_channel.setdefault(channel, set())
            key = (agent.agent_id, channel)
            if agent.has_room(channel):
                free.add(agent.agent_id)
                if self._pushed.get(key) != agent.idle_since:
                    self._pushed[key] = agent.idle_since
                    for skill in (*agent.skills, ANY_SKILL):
                        heap = self._idle_heaps.setdefault((channel, skill), [])
                        heapq.heappush(heap, (agent.idle_since, agent.agent_id))
            else:
                free.discard(agent.agent_id)
                self._pushed.pop(key, None)

    def candidates(self, channel: str, required_skills: dict[str, int]) -> set[str]:
        """Agents with room on the channel who hold every required skill (level checked by the caller)."""
        sets = [self._free_by_channel.get(channel, set())]
        sets += [self._by_skill.get(skill, set()) for skill in required_skills]
        smallest = min(sets, key=len)
        return smallest.intersection(*[s for s in sets if s is not smallest])

    def longest_idle(self, channel: str, required: dict[str, int], agents: dict[str, Agent]) -> Agent | None:
        """The qualified free agent idle longest, from the heap of the rarest required skill.

        Logarithmic when the agents at the top qualify; stale entries are dropped on the way,
        agents skipped for a too-low level go back.
        """
        skill = min(required, key=lambda s: len(self._by_skill.get(s, ())), default=ANY_SKILL)
        heap = self._idle_heaps.get((channel, skill), [])
        free = self._free_by_channel.get(channel, set())
        skipped: list[tuple[float, str]] = []
        found = None
        while heap:
            idle, agent_id = heapq.heappop(heap)
            if agent_id not in free or self._pushed.get((agent_id, channel)) != idle:
                continue  # no longer free, or free since another time: a newer entry stands for it
            skipped.append((idle, agent_id))
            if agents[agent_id].qualifies(required):
                found = agents[agent_id]
                break
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found
