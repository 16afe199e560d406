"""Integration fixtures: a private nats-server and real service processes per test.

Runs on SQLite by default and on PostgreSQL with SB_TEST_DATABASE=postgres
(`make test-pg`). The only fake is the third party: an SMS gateway that signs
its webhooks exactly as a real one would.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from switchboard.common.testing import Platform, TestDatabases
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> TestDatabases:
    return TestDatabases(tmp_path_factory.mktemp("db"))


@pytest.fixture
def platform(tmp_path: Path, databases: TestDatabases) -> Iterator[Platform]:
    running = Platform(tmp_path, databases)
    try:
        yield running
    finally:
        running.stop()


@dataclass
class SmsGateway:
    """A generic SMS gateway posting HMAC-signed inbound messages to ingest."""

    ingest_url: str
    channel_id: str
    secret: str
    number: str

    def payload(self, sender: str, text_: str, message_id: str | None = None) -> bytes:
        body = {"message_id": message_id or str(uuid.uuid4()), "from": sender,
                "to": self.number, "text": text_}
        return json.dumps(body, ensure_ascii=False).encode()

    def headers(self, body: bytes, secret: str | None = None, at: int | None = None) -> dict[str, str]:
        timestamp = str(at if at is not None else int(time.time()))
        return {
            "Content-Type": "application/json",
            "X-Signature-Timestamp": timestamp,
            "X-Signature": sign_generic(secret or self.secret, timestamp, body),
        }

    @property
    def webhook_url(self) -> str:
        return f"{self.ingest_url}/v1/webhooks/sms/generic/{self.channel_id}"

    def send(self, sender: str, text_: str, message_id: str | None = None) -> httpx.Response:
        body = self.payload(sender, text_, message_id)
        return httpx.post(self.webhook_url, content=body, headers=self.headers(body), timeout=30)

    async def send_many(self, messages: list[tuple[str, str]], concurrency: int = 16) -> list[int]:
        """Post every (sender, text); returns the status codes, retrying only transport errors."""
        limit = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=30) as client:

            async def post(sender: str, text_: str) -> int:
                body = self.payload(sender, text_)
                async with limit:
                    for _ in range(20):
                        try:
                            response = await client.post(
                                self.webhook_url, content=body, headers=self.headers(body)
                            )
                            return response.status_code
                        except httpx.TransportError:
                            await asyncio.sleep(0.25)
                    return 0

            return list(await asyncio.gather(*(post(s, t) for s, t in messages)))


def register_sms_channel(platform: Platform, tenant: str, number: str = "+8610086") -> SmsGateway:
    secret = f"secret-{uuid.uuid4().hex}"
    with platform.client("ingest", tenant, "admin") as client:
        response = client.post("/v1/channels", json={
            "kind": "sms", "provider": "generic", "address": number,
            "name": "Hotline", "signing_secret": secret,
        })
    assert response.status_code == 201, response.text
    return SmsGateway(platform.url("ingest"), response.json()["id"], secret, number)


@pytest.fixture
def sms_channel() -> Callable[..., SmsGateway]:
    return register_sms_channel
