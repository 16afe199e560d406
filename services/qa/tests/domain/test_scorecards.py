"""Scorecard arithmetic: weights, scales, n.a., critical questions, channels, pre-filling, calibration."""

import pytest
from pydantic import ValidationError

from switchboard.qa.domain.calibration import spread_per_question
from switchboard.qa.domain.checks import CheckResult
from switchboard.qa.domain.scorecards import (
    Answer,
    AnswerError,
    ScorecardDefinition,
    check_answers,
    prefill,
    score,
)

FORM = ScorecardDefinition.model_validate({
    "name": "Service call",
    "sections": [
        {"title": "Opening", "questions": [
            {"key": "greeting", "text": "Greeted the customer?", "weight": 1, "auto_check": "greeting"},
            {"key": "identity", "text": "Verified identity?", "critical": True, "allow_na": False},
        ]},
        {"title": "Handling", "questions": [
            {"key": "knowledge", "text": "Product knowledge", "kind": "scale", "scale_max": 5, "weight": 2},
            {"key": "hold", "text": "Asked before putting on hold?", "channels": ["voice"]},
            {"key": "closing", "text": "Offered further help?", "auto_check": "closing"},
        ]},
    ],
})


def answers(**values: object) -> dict[str, Answer]:
    return {key: Answer(value=value) for key, value in values.items()}  # type: ignore[arg-type]


def test_weighted_score_counts_scales_proportionally_and_skips_na() -> None:
    result = score(FORM, answers(greeting="yes", identity="yes", knowledge=3, closing="na"), "chat")
    # earned 1 + 1 + 2*3/5 = 3.2 of possible 1 + 1 + 2 = 4 ("hold" does not apply to chat)
    assert result.score == 80.0
    assert result.failed_critical is False
    assert result.points == {"greeting": 1.0, "identity": 1.0, "knowledge": 1.2}


def test_a_failed_critical_question_fails_the_whole_evaluation() -> None:
    result = score(FORM, answers(greeting="yes", identity="no", knowledge=5, closing="yes"), "chat")
    assert (result.score, result.failed_critical) == (0.0, True)


def test_every_question_na_scores_full_marks() -> None:
    form = ScorecardDefinition.model_validate(
        {"name": "x", "sections": [{"title": "s", "questions": [{"key": "a", "text": "a"}]}]})
    assert score(form, answers(a="na"), "sms").score == 100.0


@pytest.mark.parametrize(("given", "problem"), [
    ({"identity": "na"}, "question identity: must be answered (n.a. is not allowed)"),
    ({"greeting": 1}, "question greeting: takes yes, no or na"),
    ({"knowledge": 6}, "question knowledge: takes a number from 0 to 5 or na"),
    ({"knowledge": "yes"}, "question knowledge: takes a number from 0 to 5 or na"),
    ({"hold": "yes"}, "question hold: does not apply to chat; answer na"),
    ({"empathy": "yes"}, "question empathy: is not on this scorecard"),
])
def test_answers_that_do_not_fit_name_the_question(given: dict, problem: str) -> None:
    with pytest.raises(AnswerError) as error:
        check_answers(FORM, answers(**given), "chat", complete=False)
    assert str(error.value) == problem


def test_a_complete_sheet_needs_every_applicable_question() -> None:
    partial = answers(greeting="yes", identity="yes", closing="yes")
    with pytest.raises(AnswerError, match="question knowledge: is not answered"):
        check_answers(FORM, partial, "chat", complete=True)
    check_answers(FORM, {**partial, **answers(knowledge=4)}, "chat", complete=True)  # hold: not on chat


def test_automatic_checks_prefill_what_a_rule_can_answer() -> None:
    checks = [CheckResult("greeting", True, "greets"), CheckResult("closing", None, "no agent message yet")]
    filled = prefill(FORM, checks, "chat")
    assert {k: a.value for k, a in filled.items()} == {"greeting": "yes", "hold": "na"}
    assert filled["greeting"].comment == "automatic check: greets"
    assert prefill(FORM, [CheckResult("closing", False, "none")], "voice")["closing"].value == "no"


def test_forms_refuse_duplicate_keys_and_critical_scales() -> None:
    with pytest.raises(ValidationError, match="question keys must be unique: a"):
        ScorecardDefinition.model_validate({"name": "x", "sections": [
            {"title": "s", "questions": [{"key": "a", "text": "1"}, {"key": "a", "text": "2"}]}]})
    with pytest.raises(ValidationError, match="critical question must be yes/no"):
        ScorecardDefinition.model_validate({"name": "x", "sections": [
            {"title": "s", "questions": [{"key": "a", "text": "1", "kind": "scale", "critical": True}]}]})


def test_calibration_reports_the_widest_disagreement_first() -> None:
    sheets = [answers(greeting="yes", identity="yes", knowledge=5, closing="yes"),
              answers(greeting="yes", identity="yes", knowledge=1, closing="no"),
              answers(greeting="yes", identity="yes", knowledge=3, closing="yes")]
    spread = spread_per_question(FORM, sheets)
    assert [(s.key, s.spread) for s in spread][:2] == [("closing", 1.0), ("knowledge", 0.8)]
    by_key = {s.key: s for s in spread}
    assert by_key["greeting"].agree is True and by_key["knowledge"].agree is False
    assert by_key["knowledge"].values == [1.0, 0.2, 0.6]


def test_a_critical_data_protection_question_is_answered_by_the_sensitive_data_check() -> None:
    form = ScorecardDefinition.model_validate({"name": "Privacy", "sections": [{"title": "D", "questions": [
        {"key": "greeting", "text": "Greeted?"},
        {"key": "no_disclosure", "text": "Kept the customer's card and ID numbers to themselves?",
         "critical": True, "auto_check": "sensitive_data"}]}]})
    filled = prefill(form, [CheckResult("sensitive_data", False, "1 agent message(s) contained ...")], "chat")
    assert filled["no_disclosure"].value == "no"
    result = score(form, {**filled, **answers(greeting="yes")}, "chat")
    assert (result.score, result.failed_critical) == (0.0, True)
