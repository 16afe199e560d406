"""Twilio's Messages API: a form POST with Basic auth, answered with the message resource.

POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json with To, From (or
MessagingServiceSid), Body and StatusCallback. 201 carries `sid` and `status`;
an error carries Twilio's `code` and `message`, e.g. 21211 for an invalid To.
"""

from __future__ import annotations

import httpx

from switchboard.ingest.outbound.providers.base import (
    OutboundSend,
    SendOutcome,
    failure_from_http,
    failure_from_transport,
)
from switchboard.ingest.outbound.rules import TWILIO_STATUS


async def send(client: httpx.AsyncClient, outbound: OutboundSend, default_base_url: str) -> SendOutcome:
    account = outbound.credentials["account_sid"]
    base = (outbound.credentials.get("api_base_url") or default_base_url).rstrip("/")
    form = {"To": outbound.to_address, "Body": outbound.text}
    if service_sid := outbound.credentials.get("messaging_service_sid"):
        form["MessagingServiceSid"] = service_sid
    else:
        form["From"] = outbound.from_address
    if outbound.status_callback_url:
        form["StatusCallback"] = outbound.status_callback_url
    try:
        response = await client.post(
            f"{base}/2010-04-01/Accounts/{account}/Messages.json",
            data=form, auth=(account, outbound.secret),
        )
    except httpx.HTTPError as exc:
        return failure_from_transport(exc)
    body = _json(response)
    if response.is_success and body.get("sid"):
        status = TWILIO_STATUS.get(str(body.get("status", "queued")), "queued")
        return SendOutcome(accepted=True, status=status, provider_message_id=str(body["sid"]))
    code, message = body.get("code", ""), body.get("message", response.reason_phrase)
    return failure_from_http(response.status_code, f"Twilio {response.status_code} {code}: {message}")


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
