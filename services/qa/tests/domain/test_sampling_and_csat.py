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


def test_every_agent_gets_the_random_share_of_each_weeks_contacts_one_per_run() -> None:
    for agent in ("a1", "a2", "a3"):
        picked = [n for n in range(1, 101) if drawn(agent, "2026-W48", n, 0.05)]
        assert len(picked) == 5 and [(n - 1) // 20 for n in picked] == [0, 1, 2, 3, 4]
    places = {tuple(n for n in range(1, 21) if drawn(f"agent-{i}", "2026-W48", n, 0.05)) for i in range(50)}
    assert len(places) > 10  # where in the run differs by agent, so it cannot be foreseen
    assert sum(drawn("a1", "2026-W48", n, 0.3) for n in range(1, 11)) == 3
    assert [drawn("a1", "2026-W48", n, 1.0) for n in (1, 2)] == [True, True]
    assert not any(drawn("a1", "2026-W48", n, 0.0) for n in range(1, 50))


def test_the_random_share_needs_the_contacts_place_in_the_agents_week() -> None:
    rules = RULES.model_copy(update={"random_share": 1.0})
    assert sampling_reason(ORDINARY, rules) is None  # a late line: the draw was made at completion
    assert sampling_reason(replace(ORDINARY, agent_id="a1", week_ordinal=1), rules) == "random"


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
