"""The event contract: CloudEvents 1.0 envelope plus Switchboard's extensions.

An event class names its producing service, entity and verb; its version is in
the CloudEvents `type` (`sb.ingest.message.received.v1`) and its NATS subject
carries the tenant (`sb.acme.ingest.message.received`). Payload fields are the
class's own pydantic fields. Producers and consumers import the same classes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from switchboard.common.ids import new_id

TENANT_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
_TENANT = re.compile(TENANT_PATTERN)
SPECVERSION = "1.0"


def valid_tenant(tenant: str) -> bool:
    """Tenants are NATS subject tokens: lower-case letters, digits, - and _."""
    return bool(_TENANT.match(tenant))


class Payload(BaseModel):
    """Base of every event payload. New fields must be optional (schema evolution)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    service: ClassVar[str]
    name: ClassVar[str]  # "<entity>.<verb>" or "cmd.<verb>"
    version: ClassVar[int] = 1
    summary: ClassVar[str] = ""

    @classmethod
    def event_type(cls) -> str:
        return f"sb.{cls.service}.{cls.name}.v{cls.version}"

    @classmethod
    def subject_for(cls, tenant: str) -> str:
        return f"sb.{tenant}.{cls.service}.{cls.name}"


class Envelope(BaseModel):
    """CloudEvents attributes (JSON format) + tenant, correlation and causation ids."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default_factory=new_id)
    source: str
    type: str
    specversion: str = SPECVERSION
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None  # the entity the event is about (conversation id, task id)
    datacontenttype: str = "application/json"
    tenant: str
    correlationid: str
    causationid: str | None = None
    data: dict[str, Any]

    @property
    def nats_subject(self) -> str:
        service, rest = _split_type(self.type)
        return f"sb.{self.tenant}.{service}.{rest}"


def _split_type(event_type: str) -> tuple[str, str]:
    # sb.<service>.<name...>.v<N>
    parts = event_type.split(".")
    return parts[1], ".".join(parts[2:-1])


class UnknownEventType(Exception):
    pass


_REGISTRY: dict[str, type[Payload]] = {}


def register(cls: type[Payload]) -> type[Payload]:
    """Class decorator: makes the payload known to `parse_payload` and the catalog."""
    event_type = cls.event_type()
    if event_type in _REGISTRY and _REGISTRY[event_type] is not cls:
        raise ValueError(f"event type {event_type} registered twice")
    _REGISTRY[event_type] = cls
    return cls


def registered_types() -> dict[str, type[Payload]]:
    return dict(_REGISTRY)


def make_envelope(
    payload: Payload,
    *,
    tenant: str,
    source: str,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Envelope:
    if not valid_tenant(tenant):
        raise ValueError(f"tenant {tenant!r} is not a valid tenant id")
    event_id = new_id()
    return Envelope(
        id=event_id,
        source=source,
        type=payload.event_type(),
        subject=subject,
        tenant=tenant,
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        data=payload.model_dump(mode="json"),
    )


def parse_payload(envelope: Envelope) -> Payload:
    cls = _REGISTRY.get(envelope.type)
    if cls is None:
        raise UnknownEventType(envelope.type)
    return cls.model_validate(envelope.data)


__all__ = [
    "Envelope",
    "Payload",
    "UnknownEventType",
    "ValidationError",
    "make_envelope",
    "parse_payload",
    "register",
    "registered_types",
    "valid_tenant",
]
