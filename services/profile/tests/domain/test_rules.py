"""Profile's plain rules: consent decisions, survivorship, segment membership, local days."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from switchboard.profile.domain.consent import decide
from switchboard.profile.domain.customers import is_birthday, start_of_local_day
from switchboard.profile.domain.merge import MergeConflict, check_external_ids, older_first, survivorship
from switchboard.profile.domain.segments import SegmentRules, matches

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("purpose", "recorded", "dnc", "opt_in", "expected"),
    [
        ("marketing", None, False, True, (False, "opt_in_required")),
        ("marketing", None, False, False, (True, "default_allowed")),
        ("marketing", True, False, True, (True, "granted")),
        ("marketing", True, True, True, (False, "do_not_contact")),
        ("marketing", False, True, True, (False, "revoked")),
        ("survey", None, False, True, (True, "default_allowed")),
        ("survey", None, True, True, (False, "do_not_contact")),
        ("service", None, True, True, (True, "default_allowed")),
        ("service", False, False, True, (False, "revoked")),
    ],
)
def test_consent_decisions(purpose, recorded, dnc, opt_in, expected) -> None:
    decision = decide(purpose, recorded=recorded, do_not_contact=dnc, marketing_requires_opt_in=opt_in)
    assert (decision.allowed, decision.reason) == expected


@dataclass
class Record:
    id: str
    created_at: datetime
    name: str | None = None
    tier: str = "standard"
    language: str | None = None
    time_zone: str | None = None
    birthday: date | None = None
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    last_contact_at: datetime | None = None


def test_survivorship_fills_gaps_takes_the_higher_tier_and_unions_the_rest() -> None:
    survivor = Record("a", NOW, name="王芳", tags=["x"], attributes={"plan": "A"}, last_contact_at=NOW)
    other = Record(
        "b",
        NOW - timedelta(days=9),
        name="Fang",
        tier="vip",
        language="zh-CN",
        tags=["y", "x"],
        attributes={"plan": "B", "n": 1},
        last_contact_at=NOW + timedelta(hours=1),
    )
    fields = survivorship(survivor, other, {"vip": 10})
    assert (fields["name"], fields["tier"], fields["language"]) == ("王芳", "vip", "zh-CN")
    assert fields["tags"] == ["x", "y"] and fields["attributes"] == {"plan": "A", "n": 1}
    assert fields["created_at"] == other.created_at and fields["last_contact_at"] == other.last_contact_at
    assert older_first(survivor, other) == (other, survivor)


def test_two_ids_of_the_same_system_are_a_conflict() -> None:
    check_external_ids(["crm:1", "billing:9"], ["crm:1", "erp:3"])
    with pytest.raises(MergeConflict, match="crm"):
        check_external_ids(["crm:1"], ["crm:2"])


def test_segment_rules_all_have_to_hold() -> None:
    facts = dict(
        tier="vip",
        tags=["a", "b"],
        attributes={"plan": "A", "churn_risk": True},
        last_contact_at=NOW - timedelta(days=40),
        birthday=date(1990, 11, 23),
        now=NOW,
        today=date(2026, 11, 23),
    )
    assert matches(
        SegmentRules(
            tiers=["vip"],
            tags_all=["a", "b"],
            attributes={"plan": "A"},
            churn_risk=True,
            last_contact_older_than_days=30,
            birthday_today=True,
        ),
        **facts,
    )
    for rules in (
        SegmentRules(tiers=["gold"]),
        SegmentRules(tags_any=["z"]),
        SegmentRules(tags_all=["a", "z"]),
        SegmentRules(attributes={"plan": "B"}),
        SegmentRules(churn_risk=False),
        SegmentRules(last_contact_older_than_days=60),
    ):
        assert not matches(rules, **facts), rules
    assert matches(SegmentRules(last_contact_older_than_days=60), **{**facts, "last_contact_at": None})


def test_the_29th_of_february_is_celebrated_on_the_28th_in_other_years() -> None:
    assert is_birthday(date(1988, 2, 29), date(2027, 2, 28))
    assert is_birthday(date(1988, 2, 29), date(2028, 2, 29))
    assert not is_birthday(date(1988, 2, 29), date(2028, 2, 28))
    assert not is_birthday(None, date(2028, 2, 28))


def test_a_local_day_starts_at_local_midnight() -> None:
    start = start_of_local_day(datetime(2026, 11, 20, 17, 30, tzinfo=UTC), ZoneInfo("Asia/Shanghai"))
    assert start.astimezone(UTC) == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)
