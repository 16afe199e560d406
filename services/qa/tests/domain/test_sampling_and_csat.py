"""Sampling rules pick contacts for review with a reason; CSAT rolls up per agent, queue, period."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from switchboard.qa.domain.csat import Rated, csat
from switchboard.qa.domain.sampling import ContactFacts, SamplingRules, drawn, sampling_reason

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ORDINARY = ContactFacts(conversation_id="c-ordinary", disposition="resolved", customer_complained=False,
                        sentiment=0.2,
                        growing_angrier=False, handle_seconds=300, median_handle_seconds=280,
                        handle_samples=50, agent_first_seen=NOW - timedelta(weeks=30), at=NOW)
RULES = SamplingRules(enabled=True, scorecard_id="s", evaluator_ids=["e"], random_share=0.0)


def test_an_ordinary_contact_is_not_sampled_without_a_random_share() -> None:
    assert sampling_reason(ORDINARY, RULES) is None


def test_each_rule_gives_its_reason_most_serious_first() -> None:
    assert sampling_reason(replace(ORDINARY, disposition="Complaint", sentiment=-0.9), RULES) == "complaint"
    assert sampling_reason(replace(ORDINARY, customer_complained=True), RULES) == "complaint"
    assert sampling_reason(replace(ORDINARY, sentiment=-0.7), RULES) == "negative_sentiment"
    assert sampling_reason(replace(ORDINARY, growing_angrier=True), RULES) == "negative_sentiment"
    assert sampling_reason(replace(ORDINARY, handle_seconds=1000), RULES) == "handle_time"
    assert sampling_reason(replace(ORDINARY, handle_seconds=60), RULES) == "handle_time"
    assert sampling_reason(replace(ORDINARY, agent_first_seen=NOW - timedelta(days=3)), RULES) == "new_agent"


def test_handle_time_needs_enough_contacts_to_know_the_norm() -> None:
    assert sampling_reason(replace(ORDINARY, handle_seconds=1000, handle_samples=5), RULES) is None


def test_the_random_share_is_close_to_the_setting_and_stable_per_contact() -> None:
    picked = [drawn(f"conversation-{i}", 0.1) for i in range(5000)]
    assert 0.08 < sum(picked) / len(picked) < 0.12
    assert picked == [drawn(f"conversation-{i}", 0.1) for i in range(5000)]
    rules = RULES.model_copy(update={"random_share": 1.0})
    assert sampling_reason(ORDINARY, rules) == "random"


def test_csat_per_agent_queue_and_period() -> None:
    items = [Rated("a1", "billing", 5, NOW), Rated("a1", "billing", 2, NOW + timedelta(days=1)),
             Rated("a2", "tech", 4, NOW + timedelta(days=7)), Rated(None, None, 3, NOW)]
    by_agent = {r.key: (r.responses, r.average, r.csat_percent) for r in csat(items, "agent", 4)}
    assert by_agent == {"a1": (2, 3.5, 50.0), "a2": (1, 4.0, 100.0), "(unknown)": (1, 3.0, 0.0)}
    assert [r.key for r in csat(items, "queue", 4)] == ["(unknown)", "billing", "tech"]
    assert [(r.key, r.responses) for r in csat(items, "week", 4)] == [("2026-W48", 3), ("2026-W49", 1)]
    assert [r.key for r in csat(items, "day", 4)][:2] == ["2026-11-23", "2026-11-24"]


def test_complaint_phrases_must_not_be_blank() -> None:
    with pytest.raises(ValidationError, match="1 to 200 characters"):
        SamplingRules(complaint_phrases=["投诉", " "])
