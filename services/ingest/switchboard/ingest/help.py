"""Answering an SMS HELP with the channel's help text, else the tenant's, else a default.

The answer is an ordinary outbound service message, accepted in the same
transaction as the HELP itself and sent by the sender: if the HELP is stored,
its answer goes out, once (its idempotency key is the inbound message's id).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from switchboard.common.uow import UnitOfWork
from switchboard.ingest.models import Channel, Conversation
from switchboard.ingest.outbound.accept import SendRequest, accept_send
from switchboard.ingest.outbound.providers import cannot_send
from switchboard.ingest.repository import IngestRepository

log = logging.getLogger(__name__)

DEFAULT_HELP = (
    "{name}: reply to this message and an agent will answer. "
    "Reply STOP to stop receiving messages."
)


async def help_text_for(repo: IngestRepository, channel: Channel) -> str:
    if channel.help_text:
        return channel.help_text
    settings = await repo.tenant_settings(channel.tenant_id)
    if settings is not None and settings.help_text:
        return settings.help_text
    return DEFAULT_HELP.format(name=channel.name)


async def answer_help(
    uow: UnitOfWork, channel: Channel, conversation: Conversation, inbound_message_id: str,
    inactivity: timedelta,
) -> bool:
    """Queue the answer; False when the channel cannot send one."""
    if reason := cannot_send(channel.kind, channel.provider, channel.credentials):
        log.warning("HELP not answered: the channel cannot send",
                    extra={"fields": {"channel_id": channel.id, "reason": reason}})
        return False
    repo = IngestRepository(uow.session)
    request = SendRequest(
        to_address=conversation.customer_address, text=await help_text_for(repo, channel),
        idempotency_key=f"help:{inbound_message_id}", purpose="service", requested_by="help",
    )
    await accept_send(uow, channel, request, target=f"conversation:{conversation.id}",
                      inactivity=inactivity, conversation=conversation)
    return True
