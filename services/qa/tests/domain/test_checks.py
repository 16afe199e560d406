"""Automatic checks: greeting, closing, forbidden phrases and chat response targets."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from switchboard.qa.domain.checks import CheckResult, Line, run_checks
from switchboard.qa.domain.rules import CheckRules

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def results(
    lines: list[Line], channel: str = "chat", rules: CheckRules | None = None
) -> dict[str, CheckResult]:
    return {r.check: r for r in run_checks(lines, channel, rules or CheckRules())}


GOOD_CHAT = [
    Line("customer", "我的宽带又断了", at(0)),
    Line("agent", "您好，很高兴为您服务，请问您的账号是？", at(20)),
    Line("customer", "12345", at(40)),
    Line("agent", "已为您重置端口，请重启光猫。请问还有什么可以帮到您？", at(100)),
]


def test_a_well_handled_chat_passes_every_check() -> None:
    found = results(GOOD_CHAT)
    assert {name: r.passed for name, r in found.items()} == {
        "greeting": True, "closing": True, "forbidden_phrases": True, "sensitive_data": True,
        "first_response": True, "response_time": True,
    }
    assert found["first_response"].detail == "first reply after 20s (target 60s)"


def test_the_greeting_must_be_in_the_first_agent_message() -> None:
    lines = [Line("customer", "hi", at(0)), Line("agent", "What is your account number?", at(5)),
             Line("agent", "Hello! Sorry, let me start again", at(6))]
    assert results(lines)["greeting"].passed is False


def test_english_closing_phrase_is_recognised_case_insensitively() -> None:
    lines = [Line("customer", "thanks", at(0)),
             Line("agent", "Good morning. Done. Anything else I can help with?", at(5))]
    found = results(lines)
    assert (found["greeting"].passed, found["closing"].passed) == (True, True)


def test_forbidden_phrases_are_named() -> None:
    lines = [Line("customer", "why?", at(0)), Line("agent", "您好，这个不归我管，你自己看", at(5))]
    check = results(lines)["forbidden_phrases"]
    assert check.passed is False
    assert "'不归我管'" in check.detail and "'你自己看'" in check.detail


def test_a_slow_first_reply_and_a_slow_later_reply_fail_the_targets() -> None:
    lines = [Line("customer", "hello?", at(0)), Line("customer", "anyone?", at(30)),
             Line("agent", "Hello", at(90)), Line("customer", "ok", at(100)), Line("agent", "done", at(400))]
    found = results(lines)
    assert found["first_response"].passed is False  # 90 s after the first message, not the second
    assert found["response_time"].passed is False
    assert found["response_time"].detail == "1 of 2 replies later than 120s; longest 300s"


def test_response_targets_apply_only_to_timed_channels() -> None:
    found = results(GOOD_CHAT, channel="email")
    assert found["first_response"].passed is None and found["response_time"].passed is None
    assert found["first_response"].detail == "not timed on email"


def test_an_email_salutation_and_a_call_opening_are_greetings_by_default() -> None:
    for opening in ("Dear Ms Wang, thank you for your email.", "尊敬的客户：关于您的账单",
                    "Thank you for calling Acme, this is Li."):
        lines = [Line("customer", "Why was I charged twice?", at(0)), Line("agent", opening, at(60))]
        assert results(lines, channel="email")["greeting"].passed is True, opening
    plain = [Line("agent", "Your bill is attached.", at(0))]
    assert results(plain, channel="email")["greeting"].passed is False


def test_tenant_rules_change_what_is_required() -> None:
    rules = CheckRules(greeting_phrases=["感谢致电中国移动"], first_response_seconds=10)
    found = results(GOOD_CHAT, rules=rules)
    assert found["greeting"].passed is False
    assert found["first_response"].passed is False


def test_without_agent_messages_the_phrase_checks_are_not_applicable() -> None:
    found = results([Line("customer", "hello", at(0))])
    assert [found[c].passed for c in ("greeting", "closing", "forbidden_phrases", "first_response")] == [
        None, None, None, None]


def test_rules_refuse_blank_phrases_and_unknown_channels() -> None:
    with pytest.raises(ValidationError, match="blank"):
        CheckRules(forbidden_phrases=["  "])
    with pytest.raises(ValidationError, match="unknown channels: fax"):
        CheckRules(timed_channels=["fax"])


def test_short_english_phrases_match_whole_words_only() -> None:
    lines = [Line("customer", "?", at(0)), Line("agent", "This is Wei from billing", at(5))]
    assert results(lines)["greeting"].passed is False  # "hi" inside "This" is no greeting
    lines = [Line("customer", "?", at(0)), Line("agent", "Hi! This is Wei", at(5))]
    assert results(lines)["greeting"].passed is True


def test_an_agent_who_writes_out_a_card_or_id_number_fails_the_sensitive_data_check() -> None:
    customer_gives_card = [Line("customer", "card [card ending 1111]", at(0), sensitive=True),
                           Line("agent", "Hello, thanks", at(5))]
    assert results(customer_gives_card)["sensitive_data"].passed is True  # the customer may
    agent_reads_it_back = [*customer_gives_card,
                           Line("agent", "is it [card ending 1111]?", at(9), sensitive=True)]
    found = results(agent_reads_it_back)["sensitive_data"]
    assert found.passed is False and "1 agent message" in found.detail
    assert results([Line("customer", "hi", at(0))])["sensitive_data"].passed is None
