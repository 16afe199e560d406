"""The relative performance model: metrics per agent, T-scores against the team, weights, rank, flags."""

import pytest
from pydantic import ValidationError

from switchboard.qa.domain.kpi import (
    AgentPeriod,
    KpiSettings,
    kpi_csv,
    metrics,
    relative_performance,
    t_scores,
)

SETTINGS = KpiSettings()


def agent(**facts) -> AgentPeriod:
    return AgentPeriod(**facts)


def test_metrics_come_from_the_raw_facts() -> None:
    facts = agent(offered=10, accepted=8, accepted_in_time=6, handle_seconds=[200, 400], busy_seconds=600,
                  logged_in_seconds=1200, csat_scores=[5, 4, 2, 1], exam_score=88,
                  marketing_attempts=4, marketing_completed=1, qa_scores=[80, 90])
    assert metrics(facts, SETTINGS) == {
        "connect_rate": 0.8, "utilization": 0.5, "csat": 0.5, "service_level": 0.75,
        "handle_seconds": 300, "exam_score": 88, "marketing_completion": 0.25, "qa_score": 85}
    assert metrics(agent(), SETTINGS) == {}


def test_t_scores_centre_the_team_on_50_and_turn_lower_is_better_around() -> None:
    assert t_scores({"a": 1.0, "b": 3.0}, True) == {"a": 40.0, "b": 60.0}
    assert t_scores({"a": 100.0, "b": 300.0}, False) == {"a": 60.0, "b": 40.0}
    assert t_scores({"a": 5.0, "b": 5.0}, True) == {"a": 50.0, "b": 50.0}


def test_agents_are_scored_by_weighted_t_scores_and_ranked() -> None:
    team = {
        "fast": agent(handle_seconds=[100, 100], csat_scores=[5, 5], qa_scores=[90]),
        "slow": agent(handle_seconds=[300, 300], csat_scores=[2, 2], qa_scores=[70]),
        "mid": agent(handle_seconds=[200, 200], csat_scores=[5, 2], qa_scores=[80]),
    }
    scores = {s.agent_id: s for s in relative_performance(team, SETTINGS)}
    assert [s.agent_id for s in sorted(scores.values(), key=lambda s: s.rank or 0)] == ["fast", "mid", "slow"]
    assert scores["mid"].score == 50.0
    assert scores["fast"].normalized["handle_seconds"] > 50 > scores["slow"].normalized["handle_seconds"]


def test_only_the_metrics_an_agent_has_count_with_renormalized_weights() -> None:
    team = {"a": agent(exam_score=90), "b": agent(exam_score=70, qa_scores=[50])}
    scores = {s.agent_id: s for s in relative_performance(team, SETTINGS)}
    assert scores["a"].score == 60.0                     # exam only
    assert set(scores["b"].normalized) == {"exam_score", "qa_score"}
    assert scores["b"].score == round((40 * 1 + 50 * 2) / 3, 2)


def test_gaming_flags() -> None:
    team = {
        "normal": agent(handle_seconds=[300] * 10, active_days=1, sign_outs=1),
        "hopper": agent(handle_seconds=[300] * 10, active_days=2, sign_outs=12),
        "dropper": agent(handle_seconds=[10] * 5 + [300] * 5),
        "night": agent(handle_seconds=[300] * 10, night_contacts=6, previous_night_share=0.1),
        "night_shift": agent(handle_seconds=[300] * 10, night_contacts=9, previous_night_share=0.8),
        "new_on_nights": agent(handle_seconds=[300] * 10, night_contacts=10),  # no period before
    }
    flags = {s.agent_id: s.flags for s in relative_performance(team, SETTINGS)}
    assert flags == {"normal": [], "hopper": ["frequent_sign_in_out"], "dropper": ["short_contacts"],
                     "night": ["sudden_night_volume"], "night_shift": [], "new_on_nights": []}


def test_settings_refuse_unknown_or_negative_weights() -> None:
    with pytest.raises(ValidationError, match="unknown KPI weights: speed"):
        KpiSettings(weights={"speed": 1})
    with pytest.raises(ValidationError, match="must not be negative"):
        KpiSettings(weights={"csat": -1})


def test_the_kpi_table_exports_every_metric_raw_and_normalized_in_fixed_columns() -> None:
    team = {"a": agent(exam_score=80, handle_seconds=[300]), "b": agent(exam_score=60, sign_outs=9,
                                                                            active_days=1)}
    lines = kpi_csv(relative_performance(team, SETTINGS)).splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["agent_id", "rank", "score"] and header[-1] == "flags"
    rows = [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]
    assert [(r["agent_id"], r["rank"], r["exam_score"], r["exam_score_t"]) for r in rows] == [
        ("a", "1", "80", "60.0"), ("b", "2", "60", "40.0")]
    assert rows[0]["handle_seconds"] == "300.0" and rows[1]["handle_seconds"] == ""
    assert rows[1]["flags"] == "frequent_sign_in_out"
