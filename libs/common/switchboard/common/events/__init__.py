"""Event contracts: the envelope and every payload, one module per producing service."""

from switchboard.common.events import campaign, ingest, profile, qa, routing
from switchboard.common.events.base import (
    Envelope,
    Payload,
    UnknownEventType,
    make_envelope,
    parse_payload,
    register,
    registered_types,
    valid_tenant,
)

__all__ = [
    "Envelope",
    "Payload",
    "UnknownEventType",
    "campaign",
    "ingest",
    "make_envelope",
    "parse_payload",
    "profile",
    "qa",
    "register",
    "registered_types",
    "routing",
    "valid_tenant",
]
