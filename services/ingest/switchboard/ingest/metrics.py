"""Ingest's own metrics (served at /metrics with the shared ones)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter

from switchboard.common.errors import Forbidden

REJECTED_SIGNATURES = Counter(
    "sb_ingest_webhook_signatures_rejected_total",
    "Webhook requests refused for a missing, wrong or replayed signature",
    ["provider"],
)


def counted(provider: str, check: Callable[[], None]) -> None:
    """Run a signature check, counting a refusal before it becomes a 403."""
    try:
        check()
    except Forbidden:
        REJECTED_SIGNATURES.labels(provider).inc()
        raise
