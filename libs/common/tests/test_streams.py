"""The bus topology: streams, subjects and consumers declared in one place."""

from itertools import combinations

import pytest
from nats.js.api import AckPolicy, DeliverPolicy

from switchboard.common.events import registered_types
from switchboard.common.streams import (
    CONSUMES,
    DLQ_STREAM,
    SERVICES,
    BusPolicy,
    allowed_subjects,
    consumer_config,
    consumer_specs,
    dlq_subject,
    stream_configs,
    stream_name,
    subject_matches,
)


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("sb.*.ingest.>", "sb.acme.ingest.message.received", True),
        ("sb.*.ingest.>", "sb.acme.ingest.a.b.c.d", True),
        ("sb.*.ingest.>", "sb.acme.ingest", False),
        ("sb.*.ingest.>", "sb.acme.profile.contact.identified", False),
        ("sb.*.ingest.message.received", "sb.acme.ingest.message.received", True),
        ("sb.*.ingest.message.received", "sb.acme.ingest.message.sent", False),
        ("sb.*.ingest.message.*", "sb.acme.ingest.message.received.extra", False),
        ("sb.*.ingest.message.*", "sb.acme.ingest.message", False),
        ("sb.*.ingest.message.received", "sb.acme.ingest.message", False),
        ("sb.*.ingest.message", "sb.acme.ingest.message.received", False),
        ("*", "acme", True),
        ("*", "acme.x", False),
        (">", "acme.x.y", True),
        ("sbdlq.>", "sb.dlq.ingest.acme", False),
        ("sb.*.ingest.>", "sbdlq.ingest.acme", False),
    ],
)
def test_subject_matches_follows_nats_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_there_is_one_stream_per_service_and_one_dead_letter_stream() -> None:
    configs = stream_configs(BusPolicy())
    assert [c.name for c in configs] == [f"SB_{s.upper()}" for s in SERVICES] + [DLQ_STREAM]
    subjects = {c.name: c.subjects for c in configs}
    assert subjects["SB_INGEST"] == ["sb.*.ingest.>"]
    assert subjects[DLQ_STREAM] == ["sbdlq.>"]


def test_no_stream_pattern_matches_another_streams_pattern() -> None:
    patterns = [(c.name, p) for c in stream_configs(BusPolicy()) for p in c.subjects or []]
    for (name_a, a), (name_b, b) in combinations(patterns, 2):
        assert not subject_matches(a, b), f"{name_a} {a} covers {name_b} {b}"
        assert not subject_matches(b, a), f"{name_b} {b} covers {name_a} {a}"


TENANTS = ("acme", "dlq", "sbdlq", "ingest", "profile")


def owners(subject: str) -> list[str]:
    return [c.name or "" for c in stream_configs(BusPolicy())
            if any(subject_matches(p, subject) for p in c.subjects or [])]


def test_every_event_lands_in_its_producers_stream_only_whatever_the_tenant_is_called() -> None:
    misplaced = {
        cls.subject_for(tenant): owners(cls.subject_for(tenant))
        for cls in registered_types().values() for tenant in TENANTS
        if owners(cls.subject_for(tenant)) != [stream_name(cls.service)]
    }
    assert misplaced == {}


def test_every_dead_letter_lands_in_the_dead_letter_stream_only() -> None:
    misplaced = {
        dlq_subject(service, tenant): owners(dlq_subject(service, tenant))
        for service in SERVICES for tenant in TENANTS
        if owners(dlq_subject(service, tenant)) != [DLQ_STREAM]
    }
    assert misplaced == {}


def test_dead_letters_carry_the_consumer_and_the_tenant() -> None:
    assert dlq_subject("profile", "acme") == "sbdlq.profile.acme"


def test_streams_take_replicas_and_duplicate_window_from_the_policy() -> None:
    configs = stream_configs(BusPolicy(replicas=3, duplicate_window_seconds=120))
    assert {c.num_replicas for c in configs} == {3}
    assert {c.duplicate_window for c in configs if c.name != DLQ_STREAM} == {120}
    assert {c.duplicate_window for c in stream_configs(BusPolicy()) if c.name != DLQ_STREAM} == {600.0}


def test_consumers_follow_the_handled_events_grouped_per_producer_stream() -> None:
    specs = consumer_specs("profile", [("routing", "task.completed"), ("ingest", "message.received"),
                                       ("ingest", "conversation.opened")])
    assert [(s.stream, s.durable) for s in specs] == [("SB_INGEST", "profile--ingest"),
                                                      ("SB_ROUTING", "profile--routing")]
    assert specs[0].filter_subjects == ("sb.*.ingest.conversation.opened", "sb.*.ingest.message.received")
    assert specs[1].filter_subjects == ("sb.*.routing.task.completed",)


def test_a_service_that_handles_nothing_consumes_nothing() -> None:
    assert consumer_specs("ingest", []) == []


@pytest.mark.parametrize(("service", "handled"), [
    ("profile", ("routing", "agent.state_changed")),
    ("profile", ("profile", "contact.identified")),
    ("routing", ("ingest", "message.sent")),
    ("nobody", ("ingest", "message.received")),
])
def test_a_service_cannot_consume_what_the_design_does_not_allow(service: str, handled: tuple) -> None:
    with pytest.raises(ValueError, match="may not consume"):
        consumer_specs(service, [handled])


def test_every_allowed_subject_names_at_least_one_published_event() -> None:
    published = [cls.subject_for("acme") for cls in registered_types().values()]
    dangling = [(service, pattern) for service in CONSUMES for pattern in allowed_subjects(service)
                if not any(subject_matches(pattern, subject) for subject in published)]
    assert dangling == [], "a CONSUMES entry matches no event class (a typo?)"


def test_consumer_config_is_explicit_and_bounded() -> None:
    [spec] = consumer_specs("profile", [("ingest", "message.received")])
    config = consumer_config(spec, BusPolicy(max_deliver=4, ack_wait_seconds=12.0, replicas=3))
    assert config.deliver_policy == DeliverPolicy.ALL
    assert config.ack_policy == AckPolicy.EXPLICIT
    assert config.max_deliver == 5
    assert (config.durable_name, config.name) == ("profile--ingest", "profile--ingest")
    assert config.filter_subjects == ["sb.*.ingest.message.received"]
    assert (config.ack_wait, config.num_replicas) == (12.0, 3)
