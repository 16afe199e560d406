"""The sandbox provider of the embedded default: nothing leaves the machine.

The delivery row is the record of the message; the receipt is simulated at
once. Like Twilio's test credentials, two magic numbers show the failure paths:
+15005550001 is refused as an invalid number (the send fails), +15005550009
is accepted but never delivered (undelivered).
"""

from __future__ import annotations

from switchboard.ingest.outbound.providers.base import OutboundSend, SendOutcome

INVALID_NUMBER = "+15005550001"
UNREACHABLE_NUMBER = "+15005550009"


def send(outbound: OutboundSend) -> SendOutcome:
    if outbound.to_address == INVALID_NUMBER:
        return SendOutcome(accepted=False, error="sandbox: the To number is not a valid number")
    provider_id = f"sandbox-{outbound.delivery_id}"
    if outbound.to_address == UNREACHABLE_NUMBER:
        return SendOutcome(accepted=True, status="undelivered", provider_message_id=provider_id,
                           error="sandbox: the handset is unreachable")
    return SendOutcome(accepted=True, status="delivered", provider_message_id=provider_id)
