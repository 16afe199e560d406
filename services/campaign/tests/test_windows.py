"""Calling windows in the recipient's own time, quiet hours, holidays and DST."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from switchboard.campaign.domain.contacts import ListedContact
from switchboard.campaign.domain.windows import (
    Schedule,
    Span,
    allowed_until_in_all_zones,
    next_allowed_in_all_zones,
    next_allowed_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
TENANT = Schedule(
    window=Span(time(9, 0), time(21, 0)), quiet_hours=(Span(time(12, 0), time(14, 0)),)
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_inside_the_window_the_contact_is_allowed_now() -> None:
    contact = ListedContact("c1", "+8613800138000")
    now = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
    assert next_allowed_time(contact, now, TENANT) == now


def test_zone_comes_from_the_number_when_the_profile_has_none() -> None:
    # 02:00 UTC is 10:00 in Shanghai but 02:00 in London: same instant, different answers.
    now = utc(2026, 3, 2, 2, 0)
    assert next_allowed_time(ListedContact("cn", "+8613800138000"), now, TENANT) == now
    london = next_allowed_time(ListedContact("uk", "+442071838750"), now, TENANT)
    assert london == datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)


def test_profile_time_zone_wins_over_the_number() -> None:
    contact = ListedContact("c1", "+442071838750", time_zone="Asia/Shanghai")
    now = utc(2026, 3, 2, 2, 0)
    assert next_allowed_time(contact, now, TENANT) == now


def test_quiet_hours_at_lunch_push_to_fourteen_local() -> None:
    contact = ListedContact("c1", "+8613800138000")
    now = datetime(2026, 3, 2, 12, 30, tzinfo=SHANGHAI)
    assert next_allowed_time(contact, now, TENANT) == datetime(2026, 3, 2, 14, 0, tzinfo=SHANGHAI)


def test_after_twenty_one_local_waits_for_next_morning() -> None:
    contact = ListedContact("c1", "+8613800138000")
    now = datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)
    assert next_allowed_time(contact, now, TENANT) == datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)


def test_holiday_is_skipped_in_the_recipients_calendar() -> None:
    schedule = Schedule(window=TENANT.window, holidays=frozenset({date(2026, 10, 1)}))
    contact = ListedContact("c1", "+8613800138000")
    now = datetime(2026, 9, 30, 22, 0, tzinfo=SHANGHAI)
    assert next_allowed_time(contact, now, schedule) == datetime(2026, 10, 2, 9, 0, tzinfo=SHANGHAI)


def test_before_start_date_waits_and_after_end_date_never() -> None:
    schedule = Schedule(start_date=date(2026, 5, 4), end_date=date(2026, 5, 8))
    contact = ListedContact("c1", "+12125550123")
    early = datetime(2026, 5, 1, 10, 0, tzinfo=NEW_YORK)
    assert next_allowed_time(contact, early, schedule) == datetime(2026, 5, 4, 9, 0, tzinfo=NEW_YORK)
    late = datetime(2026, 5, 8, 21, 30, tzinfo=NEW_YORK)
    assert next_allowed_time(contact, late, schedule) is None


def test_new_york_window_opens_at_nine_local_across_the_spring_dst_change() -> None:
    contact = ListedContact("c1", "+12125550123")
    # 8 March 2026: clocks go forward; 09:00 EDT is 13:00 UTC, the day before it was 14:00 UTC.
    saturday_night = datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK)
    assert next_allowed_time(contact, saturday_night, TENANT) == utc(2026, 3, 8, 13, 0)
    thursday_night = datetime(2026, 3, 6, 22, 0, tzinfo=NEW_YORK)
    assert next_allowed_time(contact, thursday_night, TENANT) == utc(2026, 3, 7, 14, 0)


def test_london_window_across_the_autumn_dst_change() -> None:
    contact = ListedContact("c1", "+442071838750")
    # 25 October 2026: BST ends; 09:00 local is 08:00 UTC on the 24th and 09:00 UTC on the 25th.
    assert next_allowed_time(contact, utc(2026, 10, 23, 21, 0), TENANT) == utc(2026, 10, 24, 8, 0)
    assert next_allowed_time(contact, utc(2026, 10, 24, 21, 0), TENANT) == utc(2026, 10, 25, 9, 0)


def test_a_window_that_starts_in_a_skipped_dst_hour_opens_when_the_clock_resumes() -> None:
    schedule = Schedule(window=Span(time(2, 30), time(5, 0)))
    contact = ListedContact("c1", "+12125550123")
    now = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    assert next_allowed_time(contact, now, schedule) == utc(2026, 3, 8, 7, 30)  # 03:30 EDT


def test_unknown_zone_is_never_contacted() -> None:
    assert next_allowed_time(ListedContact("c1", None), utc(2026, 3, 2, 12, 0), TENANT) is None


def test_invalid_schedules_name_the_problem() -> None:
    bad = Schedule(
        window=Span(time(21, 0), time(9, 0)),
        start_date=date(2026, 5, 8),
        end_date=date(2026, 5, 1),
    )
    problems = bad.problems()
    assert "window: start must be before end" in problems
    assert "end_date: before start_date" in problems
    assert TENANT.problems() == []



def test_a_number_spanning_several_zones_is_allowed_only_when_open_in_all() -> None:
    zones = [NEW_YORK, ZoneInfo("America/Los_Angeles")]
    now = datetime(2026, 3, 2, 9, 0, tzinfo=NEW_YORK)
    # No quiet hours: open when Los Angeles reaches 09:00 (noon in New York).
    assert next_allowed_in_all_zones(Schedule(), now, zones) == utc(2026, 3, 2, 17, 0)
    # With lunch quiet hours New York is closed then: both are open at 14:00 New York time.
    assert next_allowed_in_all_zones(TENANT, now, zones) == utc(2026, 3, 2, 19, 0)


def test_an_attempt_allowed_now_is_allowed_until_the_next_quiet_span_begins() -> None:
    def local(hour: int, minute: int = 0) -> datetime:
        return datetime(2026, 3, 2, hour, minute, tzinfo=SHANGHAI)

    assert allowed_until_in_all_zones(TENANT, local(10, 30), [SHANGHAI]) == local(12)
    assert allowed_until_in_all_zones(TENANT, local(20), [SHANGHAI]) == local(21)
    assert allowed_until_in_all_zones(TENANT, local(13), [SHANGHAI]) is None  # quiet hours: not allowed


def test_the_allowed_span_ends_in_the_first_zone_that_closes() -> None:
    # 14:30 UTC: 09:30 in New York, 14:30 in London; London's window closes at 21:00 its time.
    now = utc(2026, 3, 2, 14, 30)
    until = allowed_until_in_all_zones(Schedule(), now, [NEW_YORK, LONDON])
    assert until == datetime(2026, 3, 2, 21, 0, tzinfo=LONDON)


def test_an_all_day_window_runs_on_past_midnight_until_the_next_disallowed_day() -> None:
    all_day = Schedule(window=Span(time(0, 0), time(0, 0)), weekdays=frozenset(range(5)))
    thursday_night = datetime(2026, 3, 5, 23, 0, tzinfo=SHANGHAI)  # a Thursday, then Friday
    assert allowed_until_in_all_zones(all_day, thursday_night, [SHANGHAI]) == datetime(
        2026, 3, 7, 0, 0, tzinfo=SHANGHAI)
    ended = Schedule(window=Span(time(0, 0), time(0, 0)), end_date=date(2026, 3, 5))
    assert allowed_until_in_all_zones(ended, thursday_night, [SHANGHAI]) == datetime(
        2026, 3, 6, 0, 0, tzinfo=SHANGHAI)
