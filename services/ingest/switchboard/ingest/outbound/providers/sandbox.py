"""The sandbox provider of the embedded default: nothing leaves the machine.

The delivery row is the record of the message; the receipt is simulated at
once. Like Twilio's test credentials, two magic numbers show the failure paths:
+15005550001 is refused as an invalid number (the send fails), +15005550009
is accepted but never delivered (undelivered).

A dial is placed at once and then rings, and is answered by the customer or a
machine, or ends busy or unanswered, by chance (seeded by the dial's id), with
the channel's credentials as the odds: `answer_percent` (60), `machine_percent`
(10), `busy_percent` (10), the rest no answer; `talk_seconds` (20) before an
answered call hangs up. voice/sandbox.py plays it out as call events.
"""

from __future__ import annotations

import random

from switchboard.ingest.outbound.providers.base import OutboundSend, SendOutcome, SimulatedCall

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


def dial(outbound: OutboundSend) -> SendOutcome:
    if outbound.to_address == INVALID_NUMBER:
        return SendOutcome(accepted=False, error="sandbox: the To number is not a valid number")
    ring_limit = outbound.dial.ring_seconds if outbound.dial else 30.0
    chance = random.Random(outbound.delivery_id)
    answer, machine, busy = (_setting(outbound, name, default) for name, default in
                             (("answer_percent", 60.0), ("machine_percent", 10.0), ("busy_percent", 10.0)))
    roll, ring = chance.uniform(0, 100), chance.uniform(1.0, min(6.0, ring_limit))
    if roll < answer:
        call = SimulatedCall(ring, "customer", None, _setting(outbound, "talk_seconds", 20.0))
    elif roll < answer + machine:
        call = SimulatedCall(ring, "machine", None, 5.0)
    elif roll < answer + machine + busy:
        call = SimulatedCall(1.0, None, "busy")
    else:
        call = SimulatedCall(ring_limit, None, "no_answer")
    return SendOutcome(accepted=True, status="sent", provider_message_id=f"sandbox-{outbound.delivery_id}",
                       simulated_call=call)


def _setting(outbound: OutboundSend, name: str, default: float) -> float:
    try:
        return max(0.0, float(outbound.credentials.get(name, default)))
    except ValueError:
        return default
