"""The whole-transcript analysis agrees with the line-by-line rules."""

from datetime import UTC, datetime, timedelta

from switchboard.qa.domain.analysis import analyse
from switchboard.qa.domain.checks import Line
from switchboard.qa.domain.rules import CheckRules

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_transcript_is_redacted_scored_checked_and_flagged() -> None:
    raw = [
        Line("customer", "你好，我想问一下话费", T0),
        Line("agent", "您好，这个不归我管", T0 + timedelta(seconds=10)),
        Line("customer", "卡号6222021234567894，你们太差了，我要投诉", T0 + timedelta(seconds=20)),
    ]
    result = analyse(raw, "chat", CheckRules())
    assert result.lines[2].text == "卡号[card ending 7894]，你们太差了，我要投诉"
    assert result.sensitive_lines == 1
    assert result.forbidden_hits == ["不归我管"]
    assert result.scores[2] < -0.5 < result.scores[0]
    assert result.growing_angrier is True
    assert "投诉" in result.topics and "不归我管" not in result.topics  # the agent's words are no topic
    checks = {c.check: c.passed for c in result.checks}
    assert (checks["greeting"], checks["forbidden_phrases"], checks["first_response"]) == (True, False, True)
    assert checks["sensitive_data"] is True  # the card number was the customer's
