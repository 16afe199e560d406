"""Which contacts go to a person for review, and why.

Every rule gives a reason; the first that fires wins (most serious first):
a complaint (by disposition, or in the customer's own words, so a complaint
the agent did not mark still reaches a person), strongly negative sentiment,
a handle time far from the norm, an agent in their first weeks, then a random
share. The random draw hashes the
conversation id, so a contact is drawn or not the same way every time (a
redelivered event decides as before) and each agent gets the share on average.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

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


def drawn(conversation_id: str, share: float) -> bool:
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


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
    if drawn(facts.conversation_id, rules.random_share):
        return "random"
    return None


def _outside_norm(facts: ContactFacts, rules: SamplingRules) -> bool:
    median = facts.median_handle_seconds
    if facts.handle_seconds is None or not median or facts.handle_samples < rules.handle_time_min_samples:
        return False
    factor = rules.handle_time_factor
    return facts.handle_seconds > median * factor or facts.handle_seconds < median / factor
