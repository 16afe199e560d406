"""A day's staffing plan: each 15-minute interval forecast from the same interval of past weeks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from switchboard.routing.staffing.erlang_c import agents_needed

INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True)
class IntervalPlan:
    start: datetime
    forecast_contacts: float
    agents: int
    scheduled_agents: int
    service_level: float
    asa_seconds: float
    occupancy: float


def forecast(arrivals: Iterable[datetime], day: date, weeks: int) -> dict[datetime, float]:
    """Contacts expected per interval of `day`: the mean of the same interval on the same
    weekday over the `weeks` weeks before (UTC)."""
    history_days = {day - timedelta(weeks=w) for w in range(1, weeks + 1)}
    counts: Counter[time] = Counter()
    for arrival in arrivals:
        moment = arrival.astimezone(UTC)
        if moment.date() in history_days:
            counts[time(moment.hour, moment.minute - moment.minute % 15)] += 1
    start = datetime.combine(day, time(), UTC)
    return {start + INTERVAL * i: counts[(start + INTERVAL * i).time()] / weeks for i in range(96)}


def day_plan(expected: dict[datetime, float], handle_seconds: float, target: float, within: float,
             shrinkage: float) -> list[IntervalPlan]:
    plan = []
    for start, contacts in sorted(expected.items()):
        if contacts <= 0:
            plan.append(IntervalPlan(start, 0.0, 0, 0, 1.0, 0.0, 0.0))
            continue
        rate = contacts / INTERVAL.total_seconds()
        needed, scheduled = agents_needed(rate, handle_seconds, target, within, shrinkage)
        plan.append(IntervalPlan(start, round(contacts, 2), needed.agents, scheduled,
                                 round(needed.service_level, 4), round(needed.average_speed_of_answer, 2),
                                 round(needed.occupancy, 4)))
    return plan
