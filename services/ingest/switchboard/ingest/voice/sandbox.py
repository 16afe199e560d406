"""The sandbox's calls: a simulated dial played out as the call events a provider would post.

Kept in memory: a sandbox call in progress when ingest stops does not go on
(its attempt stops counting in campaign's pacing after two minutes).
"""

from __future__ import annotations

import asyncio
import logging

from switchboard.common.runtime import Runtime
from switchboard.ingest.outbound.providers import OutboundSend, SimulatedCall
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.voice.calls import CallEvent, apply_call_event

log = logging.getLogger(__name__)


class SandboxCalls:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._calls: set[asyncio.Task[None]] = set()

    def play(self, dial: OutboundSend, call_id: str, simulated: SimulatedCall) -> None:
        task = asyncio.create_task(self._play(dial, call_id, simulated), name=f"sandbox-call-{call_id}")
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def stop(self) -> None:
        for task in list(self._calls):
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)

    async def _play(self, dial: OutboundSend, call_id: str, simulated: SimulatedCall) -> None:
        facts = {"call_id": call_id, "from_address": dial.from_address, "to_address": dial.to_address,
                 "direction": "outbound", "attempt_id": dial.attempt_id}
        try:
            await asyncio.sleep(simulated.ring_seconds)
            if simulated.answered_by is not None:
                await self._apply(dial.channel_id, CallEvent(
                    step="answered", answered_by=simulated.answered_by, **facts))  # type: ignore[arg-type]
                await asyncio.sleep(simulated.talk_seconds)
            await self._apply(dial.channel_id, CallEvent(
                step="ended", outcome=simulated.outcome, **facts))  # type: ignore[arg-type]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sandbox call failed", extra={"fields": {"call_id": call_id}})

    async def _apply(self, channel_id: str, event: CallEvent) -> None:
        async with self._runtime.unit_of_work() as uow:
            channel = await IngestRepository(uow.session).channel_for_webhook(channel_id)
            if channel is None:
                return
            uow.scope_to(channel.tenant_id)
            await apply_call_event(uow, channel, event)
            await uow.commit()
