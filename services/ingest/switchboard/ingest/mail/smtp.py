"""An SMTP listener (aiosmtpd) so that the embedded default can receive mail directly.

It runs in the service's own event loop. A recipient is accepted at RCPT only
if it is the address of an email channel (550 otherwise), so mail for nobody is
refused before its data is sent. At DATA the message is parsed once and
accepted on every matching channel through the same path as the webhooks; the
250 answer comes only after the commit, so an accepted message is durable and
a sending MTA that got no answer simply retries (a duplicate Message-ID is
then a no-op). Like any MX it is unauthenticated: bind it where only your
mail relay can reach it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.exc import IntegrityError

from switchboard.common.errors import Unprocessable
from switchboard.common.runtime import Runtime
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.inbound import accept_inbound
from switchboard.ingest.mail.inbound import as_inbound
from switchboard.ingest.mail.mime import ParsedEmail, parse_mime
from switchboard.ingest.repository import IngestRepository

log = logging.getLogger(__name__)


class InboundMailHandler:
    def __init__(self, runtime: Runtime, settings: IngestSettings) -> None:
        self._runtime = runtime
        self._settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not await self._channel_ids(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        try:
            parsed = parse_mime(raw)
        except Unprocessable as exc:
            return f"554 5.6.0 {exc.detail}"
        for address in {a.lower() for a in envelope.rcpt_tos}:
            for channel_id in await self._channel_ids(address):
                await self._accept(channel_id, parsed, raw)
        return "250 2.0.0 Message accepted"

    async def _channel_ids(self, address: str) -> list[str]:
        async with self._runtime.unit_of_work() as uow:
            channels = await IngestRepository(uow.session).email_channels_at(address)
            return [c.id for c in channels]

    async def _accept(self, channel_id: str, parsed: ParsedEmail, raw: bytes) -> None:
        async with self._runtime.unit_of_work() as uow:
            channel = await IngestRepository(uow.session).channel_for_webhook(channel_id)
            if channel is None:
                return
            uow.scope_to(channel.tenant_id)
            inbound = as_inbound(parsed, channel_address=channel.address,
                                 content_type="message/rfc822", raw=raw)
            accepted = await accept_inbound(
                uow, channel, inbound, inactivity=timedelta(hours=self._settings.sms_inactivity_hours),
                max_attachment_bytes=self._settings.max_attachment_bytes,
            )
            try:
                await uow.commit()
            except IntegrityError:
                await uow.rollback()  # the same message raced in: it is stored once
                return
        log.info("mail accepted by SMTP", extra={"fields": {
            "channel_id": channel_id, "message_id": accepted.message_id, "duplicate": accepted.duplicate}})


class SmtpListener:
    def __init__(self, runtime: Runtime, settings: IngestSettings) -> None:
        self._handler = InboundMailHandler(runtime, settings)
        self._settings = settings
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        if not self._settings.smtp_port:
            return
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(self._handler, data_size_limit=self._settings.max_email_bytes,
                        hostname="switchboard-ingest", enable_SMTPUTF8=True)

        self._server = await loop.create_server(protocol, self._settings.smtp_host, self._settings.smtp_port)
        log.info("SMTP listener started", extra={"fields": {"port": self._settings.smtp_port}})

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
