"""Delivery-state order, provider status names and backoff, in plain Python."""

import pytest

from switchboard.ingest.outbound.rules import (
    TWILIO_STATUS,
    moves_forward,
    request_fingerprint,
    retry_delay,
)


@pytest.mark.parametrize(("current", "reported", "applies"), [
    ("queued", "sent", True),
    ("sent", "delivered", True),
    ("queued", "delivered", True),
    ("delivered", "sent", False),      # a late "sent" never undoes "delivered"
    ("sent", "sent", False),           # the same report twice is one change
    ("failed", "delivered", False),    # a final state is final
    ("undelivered", "failed", False),
    ("delivered", "read", True),       # read receipts follow delivery
    ("sending", "queued", True),
    ("sent", "bogus", False),
])
def test_a_reported_state_applies_only_when_it_moves_the_delivery_forward(
    current: str, reported: str, applies: bool
) -> None:
    assert moves_forward(current, reported) is applies


def test_twilio_states_map_onto_ours() -> None:
    assert TWILIO_STATUS["accepted"] == "queued"
    assert TWILIO_STATUS["sending"] == "queued"
    assert TWILIO_STATUS["canceled"] == "failed"
    assert TWILIO_STATUS["undelivered"] == "undelivered"


def test_backoff_doubles_from_the_base_and_is_capped() -> None:
    assert [retry_delay(n, 2.0, 20.0) for n in (1, 2, 3, 4, 5)] == [2.0, 4.0, 8.0, 16.0, 20.0]


def test_a_fingerprint_changes_with_any_field_and_not_with_their_order() -> None:
    one = request_fingerprint(text="hi", to="+1", purpose="service")
    assert one == request_fingerprint(purpose="service", to="+1", text="hi")
    assert one != request_fingerprint(text="hi!", to="+1", purpose="service")
