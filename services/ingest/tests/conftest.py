"""Ingest's own tables on a real SQLite file per test, with one SMS channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchboard.common.db import create_engine, session_factory
from switchboard.ingest.models import Base, Channel


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/ingest.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield session_factory(engine)
    await engine.dispose()


def sms_channel(channel_id: str = "ch-sms", tenant: str = "acme", address: str = "+8610086") -> Channel:
    return Channel(id=channel_id, tenant_id=tenant, kind="sms", provider="generic", address=address,
                   name="hotline", signing_secret="gateway-secret-0123456789", credentials={},
                   created_at=datetime.now(UTC))


@pytest.fixture
def add_channel(sessions: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[Channel]]:
    async def add(channel_id: str = "ch-sms", tenant: str = "acme", address: str = "+8610086") -> Channel:
        row = sms_channel(channel_id, tenant, address)
        async with sessions() as session:
            session.add(row)
            await session.commit()
        return row

    return add


@pytest.fixture
async def channel(add_channel: Callable[..., Awaitable[Channel]]) -> Channel:
    return await add_channel()


class FakeProvider:
    """A provider's send API on a real local HTTP server, speaking its wire format.

    On Twilio's Messages path it checks Basic auth like Twilio (20003 when wrong)
    and answers a 201 message resource; any path answers what `script` says
    first, in order. Every request is recorded as (path, headers, raw body).
    """

    def __init__(self, account_sid: str = "AC0123", auth_token: str = "twilio-auth-token-0123") -> None:  # noqa: S107 - a test value
        import base64
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.script: list[tuple[int, dict]] = []
        expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                import json
                import uuid
                from urllib.parse import parse_qs

                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                fake.requests.append((self.path, dict(self.headers), body))
                if fake.script:
                    status, answer = fake.script.pop(0)
                elif self.path.endswith("/Messages.json"):
                    if self.headers.get("authorization") != expected_auth:
                        status, answer = 401, {"code": 20003, "message": "Authenticate", "status": 401}
                    else:
                        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                        status, answer = 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                                               "to": form.get("To"), "body": form.get("Body")}
                else:
                    status, answer = 200, {"message_id": "gw-" + uuid.uuid4().hex}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_provider() -> Iterator[FakeProvider]:
    provider = FakeProvider()
    yield provider
    provider.close()
