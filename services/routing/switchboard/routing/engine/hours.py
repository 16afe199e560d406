"""Business hours and holidays of a queue, in the queue's own time zone."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_open(hours: dict[str, Any] | None, at: datetime) -> bool:
    """No hours set: always open. Weekly windows are [start, end) local times; holidays close all day.

    A week with no windows at all means open every day (only holidays close), so a tenant can
    list holidays alone.
    """
    if not hours:
        return True
    local = at.astimezone(ZoneInfo(hours.get("time_zone") or "UTC"))
    if local.date() in {date.fromisoformat(str(d)) for d in hours.get("holidays", [])}:
        return False
    weekly: dict[str, list[list[str]]] = hours.get("weekly") or {}
    if not weekly:
        return True
    now = local.strftime("%H:%M")
    return any(start <= now < end for start, end in weekly.get(WEEKDAYS[local.weekday()], []))
