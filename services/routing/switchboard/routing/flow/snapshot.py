"""Rows as the engine sees them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from switchboard.routing.engine.agents import Agent as EngineAgent
from switchboard.routing.engine.agents import AgentState
from switchboard.routing.flow.hot import AgentRow
from switchboard.routing.models import Agent


def engine_agent(row: Agent | AgentRow | Row[Any], load: dict[str, int]) -> EngineAgent:
    """An agent (an ORM instance, a pass's row, or the columns a desktop reads) as the engine sees it."""
    idle_since = row.idle_since or row.state_since
    return EngineAgent(row.id, dict(row.skills), dict(row.capacity), row.voice_exclusive,
                       state=AgentState(row.state), idle_since=idle_since.timestamp(),
                       load=dict(load), not_ready_reason=row.reason)
