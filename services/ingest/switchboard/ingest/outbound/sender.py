"""The sender: claims due deliveries, hands them to their providers, records the outcome.

Claiming marks a delivery `sending` with a lease (its `next_attempt_at`) in a
committed transaction before any network call, so two senders (replicas on
PostgreSQL, which skip each other's locked rows) never send the same delivery
at once, and a sender that dies mid-send leaves a row that is tried again when
its lease runs out. That retry can repeat a send the provider already took:
towards the provider delivery is at least once, which is why the generic
gateway receives our delivery id to de-duplicate on.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from switchboard.common.runtime import Runtime
from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.models import Channel, Delivery
from switchboard.ingest.outbound import providers
from switchboard.ingest.outbound.dials import dial_of
from switchboard.ingest.outbound.outcomes import RetryPolicy, record_outcome
from switchboard.ingest.outbound.providers import OutboundSend
from switchboard.ingest.repository import IngestRepository
from switchboard.ingest.voice.sandbox import SandboxCalls

log = logging.getLogger(__name__)


class Sender:
    def __init__(self, runtime: Runtime, settings: IngestSettings, chat_hub: ChatHub) -> None:
        self._runtime = runtime
        self._settings = settings
        self._policy = RetryPolicy(settings.send_max_attempts, settings.send_backoff_seconds,
                                   settings.send_backoff_max_seconds)
        self._lease = timedelta(seconds=settings.send_timeout_seconds * 2 + 30)
        self._limit = asyncio.Semaphore(settings.send_concurrency)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(timeout=settings.send_timeout_seconds)
        self._providers = providers.ProviderContext(
            self._client, settings.twilio_api_base_url, chat_hub, settings.send_timeout_seconds)
        self._sandbox_calls = SandboxCalls(runtime)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ingest-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._sandbox_calls.stop()
        await self._client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self._settings.send_poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                while await self.send_due() == self._batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender pass failed")
                await asyncio.sleep(1.0)

    @property
    def _batch_size(self) -> int:
        return self._settings.send_concurrency * 4

    async def send_due(self) -> int:
        """One pass: claim what is due, send it concurrently; returns how many were claimed."""
        claimed = await self._claim()
        await asyncio.gather(*(self._send_one(send) for send in claimed))
        return len(claimed)

    async def _claim(self) -> list[OutboundSend]:
        now = datetime.now(UTC)
        async with self._runtime.unit_of_work() as uow:
            repo = IngestRepository(uow.session)
            claimed = []
            for delivery in await repo.claim_due_deliveries(now, self._batch_size):
                delivery.status = "sending"
                delivery.attempts += 1
                delivery.next_attempt_at = now + self._lease
                delivery.updated_at = now
                claimed.append(await self._snapshot(repo, delivery))
            await uow.commit()
        return claimed

    async def _snapshot(self, repo: IngestRepository, delivery: Delivery) -> OutboundSend:
        channel = await repo.channel(delivery.tenant_id, delivery.channel_id or "")
        assert channel is not None, "a pending delivery always has its channel"
        callback, gather = self._callback_urls(channel, delivery)
        threading = {"subject": delivery.subject, **await self._thread(repo, delivery)}
        return OutboundSend(
            delivery_id=delivery.id, conversation_id=delivery.conversation_id or "",
            channel_id=channel.id, channel_kind=channel.kind, provider=channel.provider,
            from_address=channel.address, to_address=delivery.to_address, text=delivery.text,
            sent_by=delivery.requested_by, created_at=delivery.created_at,
            secret=channel.signing_secret, credentials=dict(channel.credentials),
            status_callback_url=callback, dial=dial_of(delivery), attempt_id=delivery.attempt_id,
            gather_url=gather, **threading,
        )

    def _callback_urls(self, channel: Channel, delivery: Delivery) -> tuple[str | None, str | None]:
        """Where the provider reports on the send (and posts a keypad survey's keys): public URLs."""
        base = (self._settings.public_base_url or "").rstrip("/")
        if not base or channel.provider not in ("twilio", "pbx"):
            return None, None
        if channel.kind == "voice":  # the provider names our dial when it reports on the call
            voice = f"{base}/v1/webhooks/voice/{channel.provider}/{channel.id}"
            return f"{voice}?dial={delivery.id}", f"{voice}/gather?dial={delivery.id}"
        return (f"{base}/v1/webhooks/sms/twilio/{channel.id}/status" if channel.provider == "twilio"
                else None), None

    @staticmethod
    async def _thread(repo: IngestRepository, delivery: Delivery) -> dict[str, Any]:
        """Email only: the Message-IDs this message answers, and the subject it continues."""
        if delivery.channel_kind != "email" or not delivery.conversation_id:
            return {}
        earlier = [m for m in await repo.messages_of(delivery.tenant_id, delivery.conversation_id)
                   if m.provider_message_id and m.id != delivery.id]
        inbound = [m for m in earlier if m.direction == "in"]
        last = inbound[-1] if inbound else None
        thread: dict[str, Any] = {
            "in_reply_to": last.provider_message_id if last else None,
            "references": tuple(m.provider_message_id for m in earlier if m.provider_message_id),
        }
        if not delivery.subject and last is not None and last.subject:
            subject = last.subject
            thread["subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        return thread

    async def _send_one(self, send: OutboundSend) -> None:
        async with self._limit:
            outcome = await providers.send(self._providers, send)
        async with self._runtime.unit_of_work() as uow:
            repo = IngestRepository(uow.session)
            delivery = await repo.delivery_for_sender(send.delivery_id)
            if delivery is None or delivery.status != "sending":
                return  # its lease ran out and another pass took it over
            await record_outcome(uow, delivery, outcome, self._policy)
            await uow.commit()
        if outcome.simulated_call is not None:
            self._sandbox_calls.play(send, outcome.provider_message_id or send.delivery_id,
                                     outcome.simulated_call)
        log.info("delivery attempt", extra={"fields": {
            "delivery_id": send.delivery_id, "provider": send.provider,
            "accepted": outcome.accepted, "retryable": outcome.retryable,
        }})


def wake_sender(runtime: Runtime) -> None:
    """After a commit that accepted sends: try them now rather than at the next poll."""
    sender = runtime.extras.get("sender")
    if isinstance(sender, Sender):
        sender.wake()
