"""The generic SMS gateway's send API: JSON, signed the way its inbound webhooks are.

POST {send_url} with {"message_id", "from", "to", "text"}; `message_id` is
Switchboard's delivery id, so a gateway can drop a send it has already taken
(after a crash between its answer and our record of it). Headers
X-Signature-Timestamp and X-Signature = hex HMAC-SHA256 of "{timestamp}.{body}"
with the channel's secret. A 2xx may carry the gateway's own {"message_id"}.
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


async def send(client: httpx.AsyncClient, outbound: OutboundSend) -> SendOutcome:
    body = json.dumps({
        "message_id": outbound.delivery_id, "from": outbound.from_address,
        "to": outbound.to_address, "text": outbound.text,
    }, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
        "X-Signature": sign_generic(outbound.secret, timestamp, body),
    }
    try:
        response = await client.post(outbound.credentials["send_url"], content=body, headers=headers)
    except httpx.HTTPError as exc:
        return failure_from_transport(exc)
    if response.is_success:
        return SendOutcome(accepted=True, status="sent",
                           provider_message_id=_gateway_id(response) or outbound.delivery_id)
    return failure_from_http(response.status_code, f"gateway {response.status_code}: {response.text[:300]}")


def _gateway_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("message_id") if isinstance(body, dict) else None
    return str(value) if value else None
