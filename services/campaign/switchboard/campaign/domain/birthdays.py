"""When a birthday greeting may go: on the customer's birthday in their own time zone."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOOK_AHEAD = timedelta(days=2)  # a segment read today lists birthdays a zone far behind reaches later


def birthday_in(year: int, birthday: date) -> date:
    """The day the birthday falls on in `year` (29 February: the 28th in a common year, as profile
    counts it)."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def greeting_day(birthday: date, now: datetime, zone: ZoneInfo) -> tuple[date, datetime, datetime] | None:
    """The customer's next birthday in their zone that has not ended, with its start and end as
    instants, if it begins within two days of `now` (else None: not the season for a greeting)."""
    local_year = now.astimezone(zone).year
    for year in (local_year - 1, local_year, local_year + 1):
        day = birthday_in(year, birthday)
        start = datetime.combine(day, time(0, 0), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0, 0), zone).astimezone(UTC)
        if end > now and start <= now + LOOK_AHEAD:
            return day, start, end
    return None
