"""Ingest's API models: what gateways send and what the API shows."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from switchboard.ingest.schemas import ChannelCreate, ChannelOut, GenericSmsInbound


def test_the_generic_gateway_names_sender_and_recipient_from_and_to() -> None:
    sms = GenericSmsInbound.model_validate_json(
        '{"message_id": "gw-1", "from": "+8613800138000", "to": "10086", "text": "查话费",'
        ' "received_at": "2024-05-01T10:42:00Z"}'
    )
    assert (sms.message_id, sms.text) == ("gw-1", "查话费")
    assert (sms.sender, sms.recipient) == ("+8613800138000", "10086")
    assert sms.received_at == datetime(2024, 5, 1, 10, 42, tzinfo=UTC)


def test_the_receipt_time_is_optional() -> None:
    sms = GenericSmsInbound.model_validate({"message_id": "gw-1", "from": "+8613800138000", "to": "10086",
                                            "text": ""})
    assert sms.received_at is None


@pytest.mark.parametrize(("field", "value"), [
    ("from", "12"), ("to", ""), ("message_id", ""), ("text", "x" * 10_001),
])
def test_an_inbound_message_with_an_unusable_field_is_refused_naming_it(field: str, value: str) -> None:
    body = {"message_id": "gw-1", "from": "+8613800138000", "to": "10086", "text": "hi", field: value}
    with pytest.raises(ValidationError, match=field):
        GenericSmsInbound.model_validate(body)


def test_the_python_field_names_are_not_accepted_on_the_wire() -> None:
    with pytest.raises(ValidationError, match="from"):
        GenericSmsInbound.model_validate({"message_id": "gw-1", "sender": "+8613800138000",
                                          "recipient": "10086", "text": "hi"})


def test_a_channel_signing_secret_must_be_long_enough() -> None:
    with pytest.raises(ValidationError, match="signing_secret"):
        ChannelCreate(kind="sms", provider="generic", address="10086", name="hotline", signing_secret="short")


def test_a_channel_as_shown_never_carries_its_secret_or_credentials() -> None:
    class Row:  # an ORM row's attributes
        id, kind, provider, address, name = "ch1", "sms", "generic", "10086", "hotline"
        created_at = datetime(2024, 5, 1, tzinfo=UTC)
        signing_secret = "gateway-secret-0123456789"
        credentials = {"api_key": "k-123"}

    shown = ChannelOut.model_validate(Row()).model_dump_json()
    assert "gateway-secret" not in shown and "k-123" not in shown
