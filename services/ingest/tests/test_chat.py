"""Visitor rate limits, the socket hub, and closing idle conversations."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from switchboard.common.errors import TooManyRequests
from switchboard.common.events.base import Envelope
from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.chat.limits import RateLimiter
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.consumers import build_handlers
from switchboard.ingest.inactivity import InactivitySweeper
from switchboard.ingest.models import Base, Channel, Conversation, backbone


def test_a_key_gets_its_limit_per_window_and_then_again_after_it() -> None:
    limiter = RateLimiter(2, per_seconds=60)
    limiter.check("ip-1", "sessions", now=0)
    limiter.check("ip-1", "sessions", now=1)
    limiter.check("ip-2", "sessions", now=1)  # another key has its own budget
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("ip-1", "sessions", now=2)
    assert refused.value.extensions["retry_after"] == 59
    limiter.check("ip-1", "sessions", now=61)


class Socket:
    def __init__(self, fails: bool = False) -> None:
        self.frames: list[Any] = []
        self.fails = fails

    async def send_json(self, data: Any, mode: str = "text") -> None:
        if self.fails:
            raise RuntimeError("gone")
        self.frames.append(data)


async def test_the_hub_pushes_to_the_conversations_sockets_and_drops_dead_ones() -> None:
    hub, alive, dead, other = ChatHub(), Socket(), Socket(fails=True), Socket()
    hub.join("c1", alive)
    hub.join("c1", dead)
    hub.join("c2", other)
    assert await hub.push("c1", {"type": "notice"}) == 1
    assert await hub.push("c1", {"type": "notice"}) == 1
    assert alive.frames == [{"type": "notice"}] * 2 and other.frames == []
    hub.leave("c1", alive)
    assert await hub.push("c1", {"type": "notice"}) == 0


async def test_the_sweep_closes_idle_chats_and_sms_once_and_tells_the_visitor(tmp_path: Path) -> None:
    settings = IngestSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/ingest.db",
                              nats_url="nats://127.0.0.1:9", chat_inactivity_minutes=30)
    runtime = Runtime.build(settings, backbone, build_handlers())
    async with runtime.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    now = datetime.now(UTC)

    def conversation(cid: str, kind: str, idle: timedelta) -> Conversation:
        return Conversation(id=cid, tenant_id="acme", channel_id="ch", channel_kind=kind,
                            customer_address="x", status="open", opened_at=now - idle,
                            last_activity_at=now - idle)

    async with runtime.sessions() as session:
        session.add(Channel(id="ch", tenant_id="acme", kind="chat", provider="webchat", address="w",
                            name="w", signing_secret="s" * 16, credentials={}, created_at=now))
        await session.flush()
        session.add_all([conversation("idle-chat", "chat", timedelta(minutes=31)),
                         conversation("live-chat", "chat", timedelta(minutes=5)),
                         conversation("idle-sms", "sms", timedelta(hours=25)),
                         conversation("live-sms", "sms", timedelta(hours=2))])
        await session.commit()
    hub, visitor = ChatHub(), Socket()
    hub.join("idle-chat", visitor)
    sweeper = InactivitySweeper(runtime, settings, hub)

    assert await sweeper.sweep() == 2
    assert await sweeper.sweep() == 0
    async with runtime.sessions() as session:
        statuses = dict((await session.execute(select(Conversation.id, Conversation.status))).all())
        rows = await session.execute(select(backbone.outbox))
        events = [Envelope.model_validate_json(r.envelope) for r in rows]
    assert statuses == {"idle-chat": "closed", "live-chat": "open", "idle-sms": "closed", "live-sms": "open"}
    assert sorted((e.data["conversation_id"], e.data["reason"]) for e in events) == [
        ("idle-chat", "inactivity"), ("idle-sms", "inactivity")]
    assert visitor.frames == [{"type": "notice", "notice": "ended", "reason": "inactivity"}]
    await runtime.engine.dispose()
