"""Calling windows in the recipient's local time: window, quiet hours, holidays, dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.zones import recipient_zones

SEARCH_DAYS = 400


@dataclass(frozen=True)
class Span:
    start: time
    end: time  # exclusive; time(0, 0) as an end means midnight

    def end_minutes(self) -> int:
        return 24 * 60 if self.end == time(0, 0) else self.end.hour * 60 + self.end.minute

    def start_minutes(self) -> int:
        return self.start.hour * 60 + self.start.minute


@dataclass(frozen=True)
class Schedule:
    """A campaign's rules for when a recipient may be contacted, all in their local time."""

    window: Span = Span(time(9, 0), time(21, 0))
    quiet_hours: tuple[Span, ...] = ()
    holidays: frozenset[date] = field(default_factory=frozenset)
    weekdays: frozenset[int] = frozenset(range(7))  # Monday = 0
    start_date: date | None = None
    end_date: date | None = None

    def problems(self) -> list[str]:
        """What makes this schedule unusable, each naming the field (empty when valid)."""
        found = []
        if self.window.start_minutes() >= self.window.end_minutes():
            found.append("window: start must be before end")
        for span in self.quiet_hours:
            if span.start_minutes() >= span.end_minutes():
                found.append("quiet_hours: start must be before end")
        if self.start_date and self.end_date and self.start_date > self.end_date:
            found.append("end_date: before start_date")
        if not self.weekdays:
            found.append("weekdays: none allowed")
        if not self.open_spans():
            found.append("quiet_hours: cover the whole window")
        return found

    def open_spans(self) -> list[tuple[int, int]]:
        """The window minus quiet hours, as minute ranges of a local day."""
        spans = [(self.window.start_minutes(), self.window.end_minutes())]
        for quiet in self.quiet_hours:
            q0, q1 = quiet.start_minutes(), quiet.end_minutes()
            spans = [piece for s0, s1 in spans for piece in _subtract(s0, s1, q0, q1)]
        return spans

    def day_allowed(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays


def _subtract(s0: int, s1: int, q0: int, q1: int) -> list[tuple[int, int]]:
    pieces = [(s0, min(s1, q0)), (max(s0, q1), s1)]
    return [(a, b) for a, b in pieces if a < b]


def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """A local wall-clock minute as a real instant (a time skipped by DST moves forward)."""
    naive = datetime.combine(day, time(0, 0)) + timedelta(minutes=minutes)
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone)


def next_allowed_in_zone(schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant >= now that the schedule allows in this zone (None: never again)."""
    local_now = now.astimezone(zone)
    day = local_now.date()
    if schedule.start_date and day < schedule.start_date:
        day = schedule.start_date
    for _ in range(SEARCH_DAYS):
        if schedule.end_date and day > schedule.end_date:
            return None
        if schedule.day_allowed(day):
            for m0, m1 in schedule.open_spans():
                start, end = _local(day, m0, zone), _local(day, m1, zone)
                if end > now:
                    return max(start, now).astimezone(UTC)
        day += timedelta(days=1)
    return None


def next_allowed_time(
    contact: ListedContact, now: datetime, schedule: Schedule
) -> datetime | None:
    """When the contact may next be reached: allowed in every zone their number may ring in.

    A contact whose zone cannot be told is never contacted (nothing sent outside a window).
    """
    return next_allowed_in_all_zones(schedule, now, recipient_zones(contact))


def next_allowed_in_all_zones(
    schedule: Schedule, now: datetime, zones: list[ZoneInfo]
) -> datetime | None:
    """The first instant the schedule allows in each of the zones at once (None: never)."""
    if not zones:
        return None
    candidate = now
    for _ in range(SEARCH_DAYS):
        proposals = [next_allowed_in_zone(schedule, candidate, z) for z in zones]
        if any(p is None for p in proposals):
            return None
        latest = max(p for p in proposals if p is not None)
        if latest == candidate:
            return candidate.astimezone(UTC)
        candidate = latest
    return None


def allowed_until_in_all_zones(
    schedule: Schedule, now: datetime, zones: list[ZoneInfo]
) -> datetime | None:
    """When the span allowed at `now` in every zone closes in the first of them (None: not
    allowed now). An attempt requested now must not be made after it."""
    ends = [allowed_until_in_zone(schedule, now, zone) for zone in zones]
    if not ends or any(end is None for end in ends):
        return None
    return min(end for end in ends if end is not None)


# A pass asks this for each of its contacts at the same instant, mostly in the same few zones; a
# schedule open all day every day walks up to SEARCH_DAYS days for one answer (about 2 ms).
@lru_cache(maxsize=1024)
def allowed_until_in_zone(schedule: Schedule, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The end of the allowed span holding `now` in this zone, across midnight when the next
    day's first span starts where this one ends (None: `now` is not allowed)."""
    today = now.astimezone(zone).date()
    until: datetime | None = None
    for offset in range(-1, SEARCH_DAYS):  # a span may have begun the day before
        day = today + timedelta(days=offset)
        if until is None and offset > 0:
            return None
        if not _day_in_schedule(schedule, day):
            if until is not None:
                break
            continue
        for m0, m1 in schedule.open_spans():
            start, end = _local(day, m0, zone), _local(day, m1, zone)
            if until is None and start <= now < end:
                until = end
            elif until is not None and start == until:
                until = end  # contiguous: the allowed time goes on past midnight
            elif until is not None and start > until:
                return until.astimezone(UTC)
    return None if until is None else until.astimezone(UTC)


def _day_in_schedule(schedule: Schedule, day: date) -> bool:
    return (schedule.day_allowed(day) and not (schedule.start_date and day < schedule.start_date)
            and not (schedule.end_date and day > schedule.end_date))
