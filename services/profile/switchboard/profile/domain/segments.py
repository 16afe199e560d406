"""Segment rules: which customers belong, decided in plain Python.

All given rules must hold (AND); inside one rule a list means 'any of'.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from switchboard.profile.domain.customers import is_birthday

Scalar = str | int | float | bool | None


class ConsentRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(pattern="^(sms|email|chat|voice)$")
    purpose: str = Field(pattern="^(service|marketing|survey)$")


class SegmentRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tiers: list[str] = Field([], description="any of these tiers")
    tags_any: list[str] = Field([], description="at least one of these tags")
    tags_all: list[str] = Field([], description="every one of these tags")
    attributes: dict[str, Scalar] = Field({}, description="attribute equals value, for every key")
    last_contact_older_than_days: int | None = Field(
        None, ge=0, le=3650, description="no contact in N days (never contacted counts)"
    )
    birthday_today: bool = Field(False, description="birthday today in the tenant's time zone")
    churn_risk: bool | None = Field(None, description="the customer's `churn_risk` attribute")
    consent: ConsentRule | None = Field(
        None, description="only customers with an address allowed for this channel and purpose"
    )


def matches(
    rules: SegmentRules, *, tier: str, tags: list[str], attributes: dict[str, Any],
    last_contact_at: datetime | None, birthday: date | None, now: datetime, today: date,
) -> bool:
    """Every rule but consent (which needs the contact points; see `segments.py`)."""
    if rules.tiers and tier not in rules.tiers:
        return False
    if rules.tags_any and not set(rules.tags_any) & set(tags):
        return False
    if rules.tags_all and not set(rules.tags_all) <= set(tags):
        return False
    if any(attributes.get(key) != value for key, value in rules.attributes.items()):
        return False
    if rules.churn_risk is not None and bool(attributes.get("churn_risk")) != rules.churn_risk:
        return False
    if rules.last_contact_older_than_days is not None and last_contact_at is not None:
        if last_contact_at > now - timedelta(days=rules.last_contact_older_than_days):
            return False
    return not (rules.birthday_today and not is_birthday(birthday, today))
