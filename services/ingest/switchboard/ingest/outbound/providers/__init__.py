"""Provider adapters. Each takes one `OutboundSend` and answers a `SendOutcome`; none touches
the database."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from switchboard.ingest.chat.hub import ChatHub
from switchboard.ingest.outbound.providers import generic, pbx, sandbox, smtp, twilio, webchat
from switchboard.ingest.outbound.providers.base import (
    Dial,
    OutboundSend,
    SendOutcome,
    SimulatedCall,
    cannot_send,
)

__all__ = ["Dial", "OutboundSend", "ProviderContext", "SendOutcome", "SimulatedCall", "cannot_send", "send"]


@dataclass(frozen=True)
class ProviderContext:
    """What the adapters share: the HTTP client, Twilio's default address, the chat sockets."""

    client: httpx.AsyncClient
    twilio_base_url: str
    chat_hub: ChatHub
    timeout_seconds: float = 10.0


async def send(context: ProviderContext, outbound: OutboundSend) -> SendOutcome:
    if outbound.channel_kind == "voice":
        return await _dial(context, outbound)
    if outbound.provider == "twilio":
        return await twilio.send(context.client, outbound, context.twilio_base_url)
    if outbound.provider == "generic":
        return await generic.send(context.client, outbound)
    if outbound.provider == "webchat":
        return await webchat.send(context.chat_hub, outbound)
    if outbound.provider == "smtp":
        return await smtp.send(outbound, context.timeout_seconds)
    if outbound.provider == "sandbox":
        return sandbox.send(outbound)
    return SendOutcome(accepted=False, error=f"provider {outbound.provider!r} cannot send")


async def _dial(context: ProviderContext, outbound: OutboundSend) -> SendOutcome:
    if outbound.provider == "twilio":
        return await twilio.place_call(context.client, outbound, context.twilio_base_url)
    if outbound.provider == "pbx":
        return await pbx.originate(context.client, outbound)
    if outbound.provider == "sandbox":
        return sandbox.dial(outbound)
    return SendOutcome(accepted=False, error=f"provider {outbound.provider!r} cannot dial")
