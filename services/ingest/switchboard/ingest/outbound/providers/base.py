"""What every provider adapter takes and answers, and which providers can send at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import httpx

SENDING_PROVIDERS = {
    "twilio": {"sms"}, "generic": {"sms"}, "webchat": {"chat"}, "smtp": {"email"},
    "sandbox": {"sms", "email", "chat"},
}


@dataclass(frozen=True)
class OutboundSend:
    """A snapshot of what one send needs, taken when the sender claims the delivery."""

    delivery_id: str
    conversation_id: str
    channel_id: str
    channel_kind: str
    provider: str
    from_address: str
    to_address: str
    text: str
    subject: str | None
    sent_by: str | None
    created_at: datetime
    secret: str = field(repr=False)
    credentials: dict[str, str] = field(repr=False)
    status_callback_url: str | None = None
    # Email threading: the customer's last Message-ID, and the conversation's in order.
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class SendOutcome:
    accepted: bool
    status: str = "sent"  # the delivery state after an accepted send
    provider_message_id: str | None = None
    error: str | None = None
    retryable: bool = False


def cannot_send(kind: str, provider: str, credentials: dict[str, str]) -> str | None:
    """Why a channel cannot send, or None when it can (checked when a send is accepted)."""
    if kind not in SENDING_PROVIDERS.get(provider, set()):
        return f"sending on {kind} channels of provider {provider!r} is not supported yet"
    if provider == "twilio" and not credentials.get("account_sid"):
        return "the Twilio channel has no account_sid credential"
    if provider == "smtp" and not credentials.get("host"):
        return "the SMTP channel has no host credential"
    if provider == "generic" and not credentials.get("send_url"):
        return "the generic gateway channel has no send_url credential"
    return None


def failure_from_http(status: int, error: str) -> SendOutcome:
    """Throttling and server errors are worth another try; other refusals are final."""
    return SendOutcome(accepted=False, error=error[:1000], retryable=status == 429 or status >= 500)


def failure_from_transport(exc: httpx.HTTPError) -> SendOutcome:
    return SendOutcome(accepted=False, error=f"provider unreachable: {type(exc).__name__}",
                       retryable=True)

