"""Rolling upgrade rehearsal: the new version's changes land while the old one still runs.

A rolling update runs the new version's migrations (the init container) while
old replicas keep serving, then old and new replicas run side by side. The
rules that make that safe (docs/operations.md, "Upgrades"): a migration only
adds (nullable columns, tables, indexes) and an event only gains optional
fields. This rehearses both against the running old version.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.ext.asyncio import create_async_engine

from switchboard.common.events import make_envelope, parse_payload
from switchboard.common.events.ingest import MessageReceived
from switchboard.common.testing import Platform, wait_until


def _add_column(url: str, table: str, column: sa.Column[str]) -> None:
    """What the new version's migration does: add a nullable column."""

    def migrate(connection: sa.Connection) -> None:
        Operations(MigrationContext.configure(connection)).add_column(table, column)

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def _publish_as_new_version(platform: Platform, tenant: str, conversation_id: str) -> str:
    payload = MessageReceived(
        message_id=str(uuid.uuid4()), conversation_id=conversation_id, channel="sms",
        channel_id="ch-new", from_address="+8613900000077", to_address="+8610086",
        text="sent by the new version", received_at=datetime.now(UTC),
    )
    # The new version's MessageReceived carries an optional field the old one does not know.
    envelope = platform.publish(payload, tenant, subject=conversation_id,
                                extra_data={"language_hint": "zh-CN"})
    return envelope.id


def test_the_old_version_keeps_working_beside_the_new_schema_and_events(
    platform: Platform, sms_channel
) -> None:
    platform.start(["ingest", "profile"])
    gateway = sms_channel(platform, "acme")
    assert gateway.send("+8613900000001", "before the upgrade").status_code == 200
    wait_until(lambda: platform.scalar("profile", "SELECT count(*) FROM timeline") == 1, 20,
               "the first message in the timeline")

    # The new version's init container migrates while the old replicas serve.
    _add_column(platform.database_url("profile"), "customers",
                sa.Column("preferred_channel", sa.String(16), nullable=True))
    _add_column(platform.database_url("ingest"), "messages",
                sa.Column("language_hint", sa.String(16), nullable=True))

    assert gateway.send("+8613900000002", "during the upgrade").status_code == 200
    event_id = _publish_as_new_version(platform, "acme", str(uuid.uuid4()))
    wait_until(lambda: platform.scalar("profile", "SELECT count(*) FROM timeline") == 3, 20,
               "the old profile to handle old and new events alike")
    assert platform.scalar("profile", "SELECT count(*) FROM inbox WHERE event_id = :e", e=event_id) == 1
    with platform.client("profile", "acme", "admin") as client:
        found = client.get("/v1/customers", params={"phone": "+8613900000002"})
        assert found.status_code == 200, found.text
    with platform.client("profile", "acme", "admin") as client:
        assert client.get("/v1/dead-letters").json()["items"] == []


def test_an_old_event_reads_as_the_new_model_with_the_optional_field_unset() -> None:
    class MessageReceivedNext(MessageReceived):  # the new version of the contract
        language_hint: str | None = None

    old = make_envelope(MessageReceived(
        message_id="m1", conversation_id="c1", channel="sms", channel_id="ch",
        from_address="+8613900000001", to_address="+8610086", received_at=datetime.now(UTC),
    ), tenant="acme", source="switchboard/ingest")
    assert isinstance(parse_payload(old), MessageReceived)
    assert MessageReceivedNext.model_validate(old.data).language_hint is None
