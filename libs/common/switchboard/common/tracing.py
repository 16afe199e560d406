"""Request, correlation and W3C trace context carried across HTTP and NATS.

The values live in context variables so that logs, outbox rows and outgoing
HTTP calls pick them up without being passed through every function.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)
tenant_var: ContextVar[str | None] = ContextVar("tenant", default=None)


@dataclass(frozen=True)
class TraceParent:
    trace_id: str
    span_id: str
    flags: str = "01"

    def __str__(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"

    def child(self) -> TraceParent:
        """The same trace, a new span: what a hop passes on."""
        return TraceParent(self.trace_id, secrets.token_hex(8), self.flags)


def parse_traceparent(value: str | None) -> TraceParent | None:
    if not value:
        return None
    match = _TRACEPARENT.match(value.strip().lower())
    if not match or match.group(1) == "0" * 32 or match.group(2) == "0" * 16:
        return None
    return TraceParent(match.group(1), match.group(2), match.group(3))


def new_traceparent() -> TraceParent:
    return TraceParent(secrets.token_hex(16), secrets.token_hex(8))


def continue_trace(incoming: str | None) -> TraceParent:
    """A child span of the incoming trace, or a new trace when there is none."""
    parent = parse_traceparent(incoming)
    return parent.child() if parent else new_traceparent()


def current_trace_headers() -> dict[str, str]:
    """Headers to put on an outgoing HTTP request or NATS message."""
    headers: dict[str, str] = {}
    if (tp := traceparent_var.get()) is not None:
        parent = parse_traceparent(tp)
        if parent:
            headers["traceparent"] = str(parent.child())
    if (cid := correlation_id_var.get()) is not None:
        headers["X-Correlation-ID"] = cid
    return headers
