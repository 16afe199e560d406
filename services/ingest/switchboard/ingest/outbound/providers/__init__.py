"""Provider adapters. Each takes one `OutboundSend` and answers a `SendOutcome`; none touches
the database."""

from __future__ import annotations

import httpx

from switchboard.ingest.outbound.providers import generic, sandbox, twilio
from switchboard.ingest.outbound.providers.base import OutboundSend, SendOutcome, cannot_send

__all__ = ["OutboundSend", "SendOutcome", "cannot_send", "send"]


async def send(client: httpx.AsyncClient, outbound: OutboundSend, twilio_base_url: str) -> SendOutcome:
    if outbound.provider == "twilio":
        return await twilio.send(client, outbound, twilio_base_url)
    if outbound.provider == "generic":
        return await generic.send(client, outbound)
    if outbound.provider == "sandbox":
        return sandbox.send(outbound)
    return SendOutcome(accepted=False, error=f"provider {outbound.provider!r} cannot send")
