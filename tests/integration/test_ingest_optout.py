"""Opt-out by keyword: recorded and its event written in the same transaction as the message."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from switchboard.common.events.profile import ConsentChanged
from switchboard.common.testing import Platform, query_scalar, wait_until

pytestmark = pytest.mark.integration


def _count(platform: Platform, sql: str) -> int:
    return int(query_scalar(platform.database_url("ingest"), sql))


def test_a_whole_message_stop_records_one_opt_out_and_its_event(platform: Platform, sms_channel) -> None:
    platform.start(["ingest"])
    gateway = sms_channel(platform, "acme")
    assert platform.nats is not None
    platform.nats.kill()  # keep the events in the outbox, where the test can read them

    assert gateway.send("+8613800138000", "please don't stop").status_code == 200
    assert _count(platform, "select count(*) from opt_outs") == 0
    assert gateway.send("+8613800138000", " 退订 ").status_code == 200
    assert gateway.send("+8613800138000", "Stop!").status_code == 200

    assert _count(platform, "select count(*) from opt_outs where tenant_id = 'acme'") == 1
    assert _count(
        platform, "select count(*) from outbox where subject like '%.ingest.consent.opted_out'"
    ) == 2


def _publish_consent(platform: Platform, tenant: str, address: str, granted: bool) -> None:
    # Stands in for profile's consent API, which publishes this same contract.
    platform.publish(ConsentChanged(channel="sms", address=address, purpose="marketing",
                                    granted=granted, source="agent", at=datetime.now(UTC)), tenant)


def test_profile_consent_changes_keep_ingests_opt_out_list(platform: Platform) -> None:
    platform.start(["ingest", "profile"])
    count = "select count(*) from opt_outs where source = 'profile' and tenant_id = 'acme'"

    _publish_consent(platform, "acme", "+8613900139000", granted=False)
    wait_until(lambda: _count(platform, count) == 1, 30, "the opt-out from profile")
    _publish_consent(platform, "acme", "+8613900139000", granted=True)
    wait_until(lambda: _count(platform, count) == 0, 30, "the opt-in from profile")
