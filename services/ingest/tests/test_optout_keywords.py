"""Opt-out and help keywords: whole message only, any case, spacing or punctuation."""

import pytest

from switchboard.ingest.keywords import classify


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop! ", "quit", "End.", "REVOKE", "opt out", "Opt-Out", "OPTOUT",
     "cancel", "Unsubscribe", "STOPALL", "退订", "退订。", "td", "\uff33\uff34\uff2f\uff30"],
)
def test_every_opt_out_wording_is_recognised(text: str) -> None:
    assert classify(text) is not None and classify(text)[0] == "opt_out"  # type: ignore[index]


@pytest.mark.parametrize(
    "text", ["stop by tomorrow", "please don't stop", "endless", "TDD", "我要退订套餐吗", "", "   "]
)
def test_a_keyword_inside_a_sentence_is_an_ordinary_message(text: str) -> None:
    assert classify(text) is None


def test_help_is_recognised_as_help() -> None:
    assert classify(" help? ") == ("help", "HELP")
