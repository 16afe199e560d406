"""Twilio's Messages and Calls APIs: form POSTs with Basic auth, answered with the resource.

POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json with To, From (or
MessagingServiceSid), Body and StatusCallback. 201 carries `sid` and `status`;
an error carries Twilio's `code` and `message`, e.g. 21211 for an invalid To.

A dial is POST .../Calls.json with To, From, Twiml (what the call does once
answered), Timeout (ring time), MachineDetection=Enable and StatusCallback with
StatusCallbackEvent initiated, ringing, answered and completed; 201 carries the
call's `sid`. Its progress comes back to the voice webhook (api/voice.py).
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

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
    return await _create(client, outbound, f"{base}/2010-04-01/Accounts/{account}/Messages.json", form)


async def place_call(client: httpx.AsyncClient, outbound: OutboundSend, default_base_url: str) -> SendOutcome:
    if not outbound.status_callback_url or outbound.dial is None:
        return SendOutcome(accepted=False, error="INGEST_PUBLIC_BASE_URL is not set: Twilio could not "
                                                 "report the call's progress to Switchboard")
    account = outbound.credentials["account_sid"]
    base = (outbound.credentials.get("api_base_url") or default_base_url).rstrip("/")
    form: dict[str, str | list[str]] = {
        "To": outbound.to_address, "From": outbound.from_address, "Twiml": call_twiml(outbound),
        "Timeout": str(max(5, min(600, round(outbound.dial.ring_seconds)))), "MachineDetection": "Enable",
        "StatusCallback": outbound.status_callback_url, "StatusCallbackMethod": "POST",
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
    }
    return await _create(client, outbound, f"{base}/2010-04-01/Accounts/{account}/Calls.json", form)


def call_twiml(outbound: OutboundSend) -> str:
    """A keypad survey asks its question and gathers the answer; any other call waits in the
    channel's Twilio queue (credential `agent_queue`) for the agent routing offers it to."""
    assert outbound.dial is not None
    if outbound.dial.survey_kind and outbound.gather_url:
        gather = (f'<Gather input="dtmf" numDigits="{outbound.dial.digits}" finishOnKey="#" timeout="6" '
                  f'method="POST" action={quoteattr(outbound.gather_url)}><Say>{escape(outbound.text)}</Say>'
                  "</Gather>")
        return f'<?xml version="1.0" encoding="UTF-8"?><Response>{gather}<Hangup/></Response>'
    queue = escape(outbound.credentials.get("agent_queue") or "switchboard")
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Enqueue>{queue}</Enqueue></Response>'


async def _create(client: httpx.AsyncClient, outbound: OutboundSend, url: str,
                  form: dict[str, str] | dict[str, str | list[str]]) -> SendOutcome:
    account = outbound.credentials["account_sid"]
    try:
        response = await client.post(url, data=form, auth=(account, outbound.secret))
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
