"""Closing conversations nobody has written in for a while: chat after minutes, SMS after hours.

Each close is conditional in SQL (still open, still idle), so a message that
arrives while the sweep runs keeps its conversation open, and each closed
conversation publishes one `conversation.closed` with reason `inactivity`.
A chat visitor still connected is told the chat ended.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from switchboard.common.events.ingest import ConversationClosed
from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.repository import IngestRepository

log = logging.getLogger(__name__)


class InactivitySweeper:
    def __init__(self, runtime: Runtime, settings: IngestSettings, hub: ChatHub) -> None:
        self._runtime = runtime
        self._hub = hub
        self._every = settings.inactivity_sweep_seconds
        self._timeouts = {
            "chat": timedelta(minutes=settings.chat_inactivity_minutes),
            "sms": timedelta(hours=settings.sms_inactivity_hours),
        }
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ingest-inactivity")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("inactivity sweep failed")

    async def sweep(self) -> int:
        """Close what is idle now; returns how many conversations were closed."""
        now = datetime.now(UTC)
        ended_chats: list[str] = []
        closed = 0
        async with self._runtime.unit_of_work() as uow:
            repo = IngestRepository(uow.session)
            for kind, timeout in self._timeouts.items():
                for conversation in await repo.idle_conversations(kind, now - timeout, 500):
                    if not await repo.close_if_idle(conversation.id, now - timeout):
                        continue
                    closed += 1
                    await uow.emit(
                        ConversationClosed(conversation_id=conversation.id, channel=kind,  # type: ignore[arg-type]
                                           reason="inactivity", closed_at=now),
                        tenant=conversation.tenant_id, subject=conversation.id,
                    )
                    if kind == "chat":
                        ended_chats.append(conversation.id)
            await uow.commit()
        ended = {"type": "notice", "notice": "ended", "reason": "inactivity"}
        for conversation_id in ended_chats:
            await self._hub.push(conversation_id, ended)
        return closed
