"""The event envelope, event types and subjects, and the payload registry."""

import re
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from switchboard.common.events import (
    Envelope,
    Payload,
    UnknownEventType,
    make_envelope,
    parse_payload,
    register,
    registered_types,
)
from switchboard.common.events.ingest import MessageReceived, SendMessage
from switchboard.common.events.profile import ConsentChanged, ContactIdentified, RepeatContact
from switchboard.common.events.routing import TaskCompleted

AT = datetime(2024, 5, 1, 10, 42, 7, 123456, tzinfo=UTC)


def message(**changes: object) -> MessageReceived:
    fields: dict[str, object] = {
        "message_id": "m1", "conversation_id": "c1", "channel": "sms", "channel_id": "ch",
        "from_address": "+8613800138000", "to_address": "+8610086", "text": "hi", "received_at": AT,
    }
    return MessageReceived(**{**fields, **changes})


@pytest.mark.parametrize(("cls", "event_type", "subject"), [
    (MessageReceived, "sb.ingest.message.received.v1", "sb.acme.ingest.message.received"),
    (ContactIdentified, "sb.profile.contact.identified.v1", "sb.acme.profile.contact.identified"),
    (SendMessage, "sb.ingest.cmd.send.v1", "sb.acme.ingest.cmd.send"),
])
def test_type_carries_service_name_and_version_and_subject_carries_the_tenant(
    cls: type[Payload], event_type: str, subject: str
) -> None:
    assert cls.event_type() == event_type
    assert cls.subject_for("acme") == subject


def test_a_new_version_is_a_new_type_on_the_same_subject() -> None:
    class MessageReceivedV2(Payload):  # deliberately not registered
        service = "ingest"
        name = "message.received"
        version = 2

    assert MessageReceivedV2.event_type() == "sb.ingest.message.received.v2"
    assert MessageReceivedV2.subject_for("acme") == MessageReceived.subject_for("acme")


def test_every_registered_type_is_well_formed_and_its_envelope_uses_the_class_subject() -> None:
    shape = re.compile(r"^sb\.[a-z]+\.[a-z_]+(\.[a-z_>]+)+\.v\d+$")
    for event_type, cls in registered_types().items():
        assert shape.match(event_type), event_type
        envelope = Envelope(source=cls.service, type=event_type, tenant="acme", correlationid="c", data={})
        assert envelope.nats_subject == cls.subject_for("acme")


@pytest.mark.parametrize("tenant", ["Acme", "a.b", "", "a b", "-acme", "acme*", "acme>", "x" * 64])
def test_envelopes_refuse_tenants_that_are_not_subject_tokens(tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        make_envelope(message(), tenant=tenant, source="ingest")


@pytest.mark.parametrize("tenant", ["a", "acme", "acme-cn_2", "0day", "x" * 63])
def test_envelopes_accept_lowercase_subject_tokens_up_to_63_characters(tenant: str) -> None:
    assert make_envelope(message(), tenant=tenant, source="ingest").tenant == tenant


def test_an_envelope_without_a_correlation_id_correlates_to_itself() -> None:
    envelope = make_envelope(message(), tenant="acme", source="ingest", subject="c1")
    assert envelope.correlationid == envelope.id
    assert envelope.causationid is None
    assert envelope.type == "sb.ingest.message.received.v1"
    assert (envelope.source, envelope.subject) == ("ingest", "c1")
    assert envelope.specversion == "1.0" and envelope.datacontenttype == "application/json"
    assert envelope.nats_subject == "sb.acme.ingest.message.received"


def test_an_envelope_keeps_the_given_correlation_and_causation_ids_and_gets_a_fresh_id() -> None:
    first = make_envelope(message(), tenant="acme", source="ingest",
                          correlation_id="corr", causation_id="cause")
    second = make_envelope(message(), tenant="acme", source="ingest", correlation_id="corr")
    assert (first.correlationid, first.causationid) == ("corr", "cause")
    assert first.id != second.id


@pytest.mark.parametrize("payload", [
    message(subject="re: invoice", attachment_count=2, provider_message_id="p-1"),
    ContactIdentified(customer_id="cu1", conversation_id="c1", channel="sms", new_customer=True,
                      segments=["vip"], consent={"sms": True},
                      repeat=RepeatContact(contacts_today=3, contacts_7d=5, last_contact_at=AT)),
    ConsentChanged(channel="sms", address="+8613800138000", granted=False, source="keyword", at=AT),
    TaskCompleted(task_id="t1", conversation_id="c1", agent_id="a1", queue_id="q1", channel="chat",
                  disposition="resolved", wait_seconds=12.5, talk_seconds=60.0, wrap_seconds=5.0, at=AT),
])
def test_a_payload_survives_the_wire_unchanged(payload: Payload) -> None:
    envelope = make_envelope(payload, tenant="acme", source=payload.service)
    wire = Envelope.model_validate_json(envelope.model_dump_json())
    parsed = parse_payload(wire)
    assert type(parsed) is type(payload)
    assert parsed == payload
    assert wire == envelope


def test_a_payload_with_a_field_from_a_later_version_still_validates() -> None:
    newer = {**message().model_dump(mode="json"), "sentiment": "angry", "language": "zh"}
    parsed = MessageReceived.model_validate(newer)
    assert parsed == message()
    assert not hasattr(parsed, "sentiment")


def test_an_envelope_with_attributes_from_a_later_version_still_parses() -> None:
    envelope = make_envelope(message(), tenant="acme", source="ingest")
    wire = {**envelope.model_dump(mode="json"), "dataschema": "https://example.test/v1", "partitionkey": "c1"}
    wire["data"]["added_in_a_later_version"] = True
    assert parse_payload(Envelope.model_validate(wire)) == message()


def test_a_payload_missing_a_required_field_is_refused() -> None:
    envelope = make_envelope(message(), tenant="acme", source="ingest")
    del envelope.data["conversation_id"]
    with pytest.raises(ValidationError, match="conversation_id"):
        parse_payload(envelope)


def test_payloads_are_immutable() -> None:
    with pytest.raises(ValidationError):
        message().text = "changed"  # type: ignore[misc]


def test_an_unknown_type_is_reported_with_its_name() -> None:
    envelope = make_envelope(message(), tenant="acme", source="ingest")
    envelope.type = "sb.ingest.message.received.v9"
    with pytest.raises(UnknownEventType, match=r"sb\.ingest\.message\.received\.v9"):
        parse_payload(envelope)


def test_two_classes_cannot_claim_one_event_type() -> None:
    class Impostor(ContactIdentified):
        pass

    with pytest.raises(ValueError, match="registered twice"):
        register(Impostor)
    assert registered_types()["sb.profile.contact.identified.v1"] is ContactIdentified


def test_registering_the_same_class_again_is_harmless() -> None:
    assert register(MessageReceived) is MessageReceived
    assert registered_types()[MessageReceived.event_type()] is MessageReceived
