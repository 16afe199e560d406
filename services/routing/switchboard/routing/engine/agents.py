"""Agents: skills, per-channel capacity and state."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    WRAP_UP = "wrap_up"
    NOT_READY = "not_ready"


@dataclass
class Agent:
    agent_id: str
    skills: dict[str, int]
    capacity: dict[str, int]
    voice_exclusive: bool = True
    state: AgentState = AgentState.LOGGED_OUT
    idle_since: float = 0.0
    load: dict[str, int] = field(default_factory=dict)
    not_ready_reason: str | None = None

    def __post_init__(self) -> None:
        for skill, level in self.skills.items():
            if not 1 <= level <= 10:
                raise ValueError(f"proficiency of skill {skill!r} must be 1-10, got {level}")
        for channel, slots in self.capacity.items():
            if slots < 0:
                raise ValueError(f"capacity for channel {channel!r} must be >= 0, got {slots}")

    @property
    def busy(self) -> bool:
        """Derived, never stored: busy means no free slot on any channel."""
        return not any(self.has_room(channel) for channel in self.capacity)

    def has_room(self, channel: str) -> bool:
        if self.state is not AgentState.AVAILABLE:
            return False
        if self.voice_exclusive and channel != "voice" and self.load.get("voice", 0):
            return False
        if self.voice_exclusive and channel == "voice" and any(self.load.values()):
            return False
        return self.load.get(channel, 0) < self.capacity.get(channel, 0)

    def qualifies(self, required: dict[str, int]) -> bool:
        return all(self.skills.get(skill, 0) >= level for skill, level in required.items())
