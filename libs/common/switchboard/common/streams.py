"""The bus topology, declared in one place.

One JetStream stream per producing service (`SB_INGEST` holds `sb.*.ingest.>`),
one dead-letter stream, and for each consuming service the subjects it reads
from each producer (DESIGN.md, "Services and what each owns"). Provisioning is
idempotent: every service ensures the whole topology at start-up, so the order
in which services start does not matter, and a changed declaration is applied
as an update.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    ReplayPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

SERVICES = ("ingest", "profile", "routing", "campaign", "qa")
DLQ_STREAM = "SB_DLQ"


def stream_name(service: str) -> str:
    return f"SB_{service.upper()}"


def dlq_subject(service: str, tenant: str) -> str:
    return f"sbdlq.{service}.{tenant}"


# consumer service -> producer service -> event names (after `sb.<tenant>.<producer>.`)
CONSUMES: dict[str, dict[str, tuple[str, ...]]] = {
    "ingest": {
        "campaign": ("attempt.requested",),
        "ingest": ("cmd.>",),
        "profile": ("consent.changed",),
    },
    "profile": {
        "ingest": (
            "conversation.>",
            "message.>",
            "call.>",
            "consent.>",
        ),
        "routing": ("task.completed",),
        "campaign": ("attempt.>", "survey.>"),
        "qa": ("evaluation.completed",),
    },
    "routing": {
        "ingest": ("conversation.>", "message.received", "call.>"),
        "profile": ("contact.identified", "customer.merged"),
        "campaign": ("dial.>",),
    },
    "campaign": {
        "routing": ("agent.>", "task.>"),
        "ingest": ("conversation.opened", "conversation.closed", "message.>", "call.>", "consent.>"),
        "profile": ("consent.changed", "customer.>", "contact.identified"),
    },
    "qa": {
        "ingest": ("conversation.>", "message.>", "call.>"),
        "routing": ("task.>", "agent.state_changed"),
        "campaign": ("survey.>", "attempt.dispositioned"),
        "profile": ("customer.erased", "contact.identified"),
    },
}


@dataclass(frozen=True)
class ConsumerSpec:
    stream: str
    durable: str
    filter_subjects: tuple[str, ...]


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is one token, `>` the rest."""
    pattern_tokens, subject_tokens = pattern.split("."), subject.split(".")
    for index, part in enumerate(pattern_tokens):
        if part == ">":
            return len(subject_tokens) > index
        if index >= len(subject_tokens) or part not in ("*", subject_tokens[index]):
            return False
    return len(pattern_tokens) == len(subject_tokens)


def allowed_subjects(service: str) -> list[str]:
    """The subjects `service` may consume, per DESIGN.md."""
    return [
        f"sb.*.{producer}.{name}"
        for producer, names in CONSUMES.get(service, {}).items()
        for name in names
    ]


def consumer_specs(service: str, handled: list[tuple[str, str]]) -> list[ConsumerSpec]:
    """One durable pull consumer per producer stream, filtered to the handled events.

    `handled` lists (producer service, event name) pairs. A service consumes only
    what it handles, so that an event it will handle in a later version is not
    acknowledged unread today; and only what `CONSUMES` allows.
    """
    allowed = allowed_subjects(service)
    by_producer: dict[str, list[str]] = {}
    for producer, name in handled:
        subject = f"sb.*.{producer}.{name}"
        if not any(subject_matches(pattern, subject) for pattern in allowed):
            raise ValueError(f"{service} may not consume {subject}: add it to CONSUMES first")
        by_producer.setdefault(producer, []).append(subject)
    return [
        ConsumerSpec(stream_name(producer), f"{service}--{producer}", tuple(sorted(subjects)))
        for producer, subjects in sorted(by_producer.items())
    ]


@dataclass(frozen=True)
class BusPolicy:
    replicas: int = 1
    duplicate_window_seconds: float = 600.0
    max_deliver: int = 5
    ack_wait_seconds: float = 30.0


def stream_configs(policy: BusPolicy) -> list[StreamConfig]:
    configs = [
        StreamConfig(
            name=stream_name(service),
            subjects=[f"sb.*.{service}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=policy.replicas,
            duplicate_window=policy.duplicate_window_seconds,
            max_age=7 * 24 * 3600.0,
            discard=DiscardPolicy.OLD,
        )
        for service in SERVICES
    ]
    configs.append(
        StreamConfig(
            name=DLQ_STREAM,
            subjects=["sbdlq.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            num_replicas=policy.replicas,
            max_age=30 * 24 * 3600.0,
        )
    )
    return configs


def consumer_config(spec: ConsumerSpec, policy: BusPolicy) -> ConsumerConfig:
    return ConsumerConfig(
        name=spec.durable,
        durable_name=spec.durable,
        filter_subjects=list(spec.filter_subjects),
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        replay_policy=ReplayPolicy.INSTANT,
        ack_wait=policy.ack_wait_seconds,
        # One more than the consumer loop's own limit: the loop dead-letters on its
        # last attempt; the server-side limit is the safety net behind it.
        max_deliver=policy.max_deliver + 1,
        max_ack_pending=10_000,
        num_replicas=policy.replicas,
    )


async def ensure_streams(js: JetStreamContext, policy: BusPolicy) -> None:
    for config in stream_configs(policy):
        try:
            await js.stream_info(config.name or "")
        except NotFoundError:
            await js.add_stream(config)
            log.info("stream created", extra={"fields": {"stream": config.name}})
            continue
        try:
            await js.update_stream(config)
        except BadRequestError as exc:  # e.g. replicas cannot change on this server
            log.warning(
                "stream update refused", extra={"fields": {"stream": config.name, "error": str(exc)}}
            )


async def ensure_consumers(
    js: JetStreamContext, specs: list[ConsumerSpec], policy: BusPolicy
) -> None:
    for spec in specs:
        await js.add_consumer(spec.stream, consumer_config(spec, policy))
