"""Report roll-ups: score trends per agent and period, the questions failed most, CSV."""

from datetime import UTC, datetime, timedelta

from switchboard.qa.domain.reports import Scored, ScoreRow, questions_failed, score_rollup, to_csv
from switchboard.qa.domain.scorecards import Answer, ScorecardDefinition

MON = datetime(2026, 11, 23, 10, tzinfo=UTC)
FORM = ScorecardDefinition.model_validate({"name": "Chat", "sections": [{"title": "s", "questions": [
    {"key": "greeting", "text": "Greeted?"}, {"key": "knowledge", "text": "Knowledge", "kind": "scale"}]}]})


def test_scores_roll_up_per_agent_and_per_week_for_a_trend() -> None:
    items = [Scored("a1", "q1", 80, False, MON), Scored("a1", "q1", 60, True, MON + timedelta(days=7)),
             Scored("a2", None, 90, False, MON)]
    rows = score_rollup(items, "agent", None)
    assert [(r.key, r.evaluations, r.average_score, r.failed_critical) for r in rows] == [
        ("a1", 2, 70.0, 1), ("a2", 1, 90.0, 0)]
    trend = score_rollup(items, "agent", "week")
    assert [(r.key, r.period, r.average_score) for r in trend] == [
        ("a1", "2026-W48", 80.0), ("a1", "2026-W49", 60.0), ("a2", "2026-W48", 90.0)]
    assert [r.key for r in score_rollup(items, "queue", None)] == ["(unknown)", "q1"]


def test_the_questions_failed_most_come_first_and_na_is_not_counted() -> None:
    def sheet(greeting: str, knowledge: object) -> tuple:
        return FORM, {"greeting": Answer(value=greeting), "knowledge": Answer(value=knowledge)}  # type: ignore[arg-type]

    rows = questions_failed([sheet("no", 5), sheet("no", 1), sheet("yes", "na")])
    assert [(r.key, r.answered, r.failed, r.fail_rate) for r in rows] == [
        ("greeting", 3, 2, 0.6667), ("knowledge", 2, 1, 0.5)]
    assert rows[0].text == "Greeted?"


def test_csv_has_a_header_and_one_line_per_row() -> None:
    text = to_csv(score_rollup([Scored("a1", None, 80, False, MON)], "agent", None), ScoreRow)
    assert text.splitlines() == ["key,period,evaluations,average_score,failed_critical", "a1,,1,80.0,0"]
    assert to_csv([], ScoreRow).splitlines() == ["key,period,evaluations,average_score,failed_critical"]
