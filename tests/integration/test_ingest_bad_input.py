"""Refused webhooks store nothing and are counted in metrics."""

from __future__ import annotations

import time

import httpx
import pytest

from switchboard.common.testing import Platform

pytestmark = pytest.mark.integration


def test_forged_and_replayed_generic_sms_are_refused_counted_and_not_stored(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest"])
    gateway = sms_channel(platform, "acme")
    body = gateway.payload("+8613800138000", "hello")

    forged = httpx.post(gateway.webhook_url, content=body,
                        headers=gateway.headers(body, secret="not-the-secret-at-all"))
    replayed = httpx.post(gateway.webhook_url, content=body,
                          headers=gateway.headers(body, at=int(time.time()) - 3600))
    assert (forged.status_code, replayed.status_code) == (403, 403)
    assert platform.scalar("ingest", "SELECT count(*) FROM messages") == 0
    metrics = httpx.get(f"{platform.url('ingest')}/metrics", timeout=10).text
    assert 'sb_ingest_webhook_signatures_rejected_total{provider="generic"} 2.0' in metrics
