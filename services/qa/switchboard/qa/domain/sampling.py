"""Which contacts go to a person for review, and why.

Every rule gives a reason; the first that fires wins (most serious first):
a complaint (by disposition, or in the customer's own words, so a complaint
the agent did not mark still reaches a person), strongly negative sentiment,
a handle time far from the norm, an agent in their first weeks, then a random
share of each agent's contacts of the week. The random draw is stratified: in
every run of 1/share of an agent's contacts of an ISO week (20 at 5%) one is
picked, its place in the run drawn by hashing the agent, the week and the run,
so every agent gets the share every week, not only on average, and which of
their contacts is reviewed cannot be foreseen.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from math import ceil, floor

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SamplingRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    scorecard_id: str | None = None
    evaluator_ids: list[str] = Field(default_factory=list, max_length=200)
    random_share: float = Field(default=0.05, ge=0, le=1)
    complaint_dispositions: list[str] = Field(default_factory=lambda: ["complaint", "投诉"])
    complaint_phrases: list[str] = Field(  # said by the customer, matched as the check phrases are
        default_factory=lambda: ["投诉", "举报", "complaint", "complain", "complaining"], max_length=200)
    negative_sentiment_at_most: float = Field(default=-0.5, ge=-1, le=1)
    handle_time_factor: float = Field(default=3.0, gt=1, le=100)
    handle_time_min_samples: int = Field(default=20, ge=1)
    new_agent_weeks: int = Field(default=2, ge=0, le=52)
    low_csat_at_most: int = Field(default=2, ge=0, le=10)  # a survey score this low is a complaint

    @field_validator("complaint_phrases")
    @classmethod
    def _phrases_not_blank(cls, phrases: list[str]) -> list[str]:
        cleaned = [p.strip() for p in phrases]
        if any(not p or len(p) > 200 for p in cleaned):
            raise ValueError("a phrase must have 1 to 200 characters")
        return cleaned


@dataclass(frozen=True)
class ContactFacts:
    conversation_id: str
    disposition: str | None
    customer_complained: bool  # a complaint phrase in the customer's lines
    sentiment: float | None
    growing_angrier: bool
    handle_seconds: float | None
    median_handle_seconds: float | None
    handle_samples: int
    agent_first_seen: datetime | None
    at: datetime
    agent_id: str | None = None
    week_ordinal: int | None = None  # the agent's n-th contact completed in the ISO week of `at`


def drawn(agent_id: str, week: str, ordinal: int, share: float) -> bool:
    """Whether the agent's `ordinal`-th contact (from 1) of `week` is one of the random share:
    exactly one in each run of 1/share contacts, at a place in the run drawn by a hash."""
    if share <= 0 or ordinal < 1:
        return False
    exact = Fraction(share).limit_denominator(10_000)
    run = floor((ordinal - 1) * exact)
    first, last = ceil(run / exact) + 1, ceil((run + 1) / exact)
    digest = hashlib.sha256(f"{agent_id}/{week}/{run}".encode()).digest()
    return ordinal == first + int.from_bytes(digest[:8], "big") % (last - first + 1)


def iso_week(at: datetime) -> str:
    year, week, _ = at.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def sampling_reason(facts: ContactFacts, rules: SamplingRules) -> str | None:
    if facts.customer_complained or (facts.disposition and facts.disposition.casefold() in {
        d.casefold() for d in rules.complaint_dispositions
    }):
        return "complaint"
    if facts.growing_angrier or (
        facts.sentiment is not None and facts.sentiment <= rules.negative_sentiment_at_most
    ):
        return "negative_sentiment"
    if _outside_norm(facts, rules):
        return "handle_time"
    if facts.agent_first_seen is not None and (
        facts.at - facts.agent_first_seen < timedelta(weeks=rules.new_agent_weeks)
    ):
        return "new_agent"
    if facts.agent_id and facts.week_ordinal and drawn(
            facts.agent_id, iso_week(facts.at), facts.week_ordinal, rules.random_share):
        return "random"
    return None


def _outside_norm(facts: ContactFacts, rules: SamplingRules) -> bool:
    median = facts.median_handle_seconds
    if facts.handle_seconds is None or not median or facts.handle_samples < rules.handle_time_min_samples:
        return False
    factor = rules.handle_time_factor
    return facts.handle_seconds > median * factor or facts.handle_seconds < median / factor
