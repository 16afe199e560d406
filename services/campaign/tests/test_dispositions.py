"""Dispositions decide the contact's next step."""

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.campaign.domain.dispositions import (
    DEFAULT_CODES,
    BadDisposition,
    Effect,
    next_step,
)

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_sale_converts_and_do_not_call_opts_out() -> None:
    assert next_step(DEFAULT_CODES, "sale", AT, None).effect is Effect.CONVERTED
    assert next_step(DEFAULT_CODES, "do_not_call", AT, None).effect is Effect.DO_NOT_CALL


def test_callback_needs_a_future_time() -> None:
    later = AT + timedelta(hours=3)
    assert next_step(DEFAULT_CODES, "callback", AT, later).callback_due == later
    with pytest.raises(BadDisposition, match="callback_at"):
        next_step(DEFAULT_CODES, "callback", AT, None)


def test_complaint_gets_a_callback_deadline_three_days_out() -> None:
    step = next_step(DEFAULT_CODES, "complaint", AT, None)
    assert step.callback_deadline == AT + timedelta(days=3)


def test_unknown_code_is_refused_by_name() -> None:
    with pytest.raises(BadDisposition, match="'maybe'"):
        next_step(DEFAULT_CODES, "maybe", AT, None)
