"""The generic PBX's originate API: JSON, signed the way its call-event webhooks are.

POST {originate_url} with

    {"request_id": "<Switchboard's dial id>", "attempt_id": "...", "from": "<channel number>",
     "to": "+8613800138000", "ring_seconds": 20, "machine_detection": true,
     "information_message": "...", "events_url": "...",
     "gather": {"prompt": "...", "digits": 1, "finish_on_key": "#", "action_url": "..."} | null}

Headers X-Signature-Timestamp and X-Signature = hex HMAC-SHA256 of "{timestamp}.{body}"
with the channel's secret. A 2xx may carry the PBX's own {"call_id"}; otherwise the
PBX reports the call under `request_id`. The PBX then posts the call's progress to
the voice webhook (with `request_id`), and a survey's digits to its gather webhook.
"""

from __future__ import annotations

import json
import time

import httpx

from switchboard.ingest.outbound.providers.base import (
    OutboundSend,
    SendOutcome,
    failure_from_http,
    failure_from_transport,
)
from switchboard.ingest.signatures import sign_generic


def originate_request(outbound: OutboundSend) -> dict[str, object]:
    assert outbound.dial is not None
    dial = outbound.dial
    gather = None
    if dial.survey_kind:
        gather = {"prompt": outbound.text, "digits": dial.digits, "finish_on_key": "#",
                  "action_url": outbound.gather_url}
    return {
        "request_id": outbound.delivery_id, "attempt_id": outbound.attempt_id,
        "from": outbound.from_address, "to": outbound.to_address, "ring_seconds": dial.ring_seconds,
        "machine_detection": True, "information_message": dial.information_message,
        "events_url": outbound.status_callback_url, "gather": gather,
    }


async def originate(client: httpx.AsyncClient, outbound: OutboundSend) -> SendOutcome:
    body = json.dumps(originate_request(outbound), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(outbound.secret, timestamp, body),
    }
    try:
        response = await client.post(outbound.credentials["originate_url"], content=body, headers=headers)
    except httpx.HTTPError as exc:
        return failure_from_transport(exc)
    if not response.is_success:
        return failure_from_http(response.status_code, f"PBX {response.status_code}: {response.text[:300]}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    call_id = answer.get("call_id") if isinstance(answer, dict) else None
    return SendOutcome(accepted=True, status="sent", provider_message_id=str(call_id or outbound.delivery_id))
