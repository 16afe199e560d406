"""What every provider adapter takes and answers, and which providers can send at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import httpx

SENDING_PROVIDERS = {
    "twilio": {"sms", "voice"}, "generic": {"sms"}, "webchat": {"chat"}, "smtp": {"email"},
    "pbx": {"voice"}, "sandbox": {"sms", "email", "chat", "voice"},
}


@dataclass(frozen=True)
class Dial:
    """What a voice dial needs besides the number (kept on the delivery as JSON)."""

    ring_seconds: float = 30.0
    information_message: str | None = None  # what a call the dialer abandons plays
    survey_kind: str | None = None  # csat or nps: a keypad survey, the text its question
    campaign_id: str | None = None

    @property
    def digits(self) -> int:
        """Keys a survey answer takes: CSAT 1-5 one, NPS 0-10 up to two (ended by # or a pause)."""
        return 2 if self.survey_kind == "nps" else 1


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
    # Voice: the dial, and where the provider posts the keypad answer of a survey.
    dial: Dial | None = None
    attempt_id: str | None = None
    gather_url: str | None = None
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
    simulated_call: SimulatedCall | None = None  # the sandbox's dial: what the call will do


@dataclass(frozen=True)
class SimulatedCall:
    """How a sandbox call goes: answered (by whom) or ended unanswered, after how long."""

    ring_seconds: float
    answered_by: str | None  # customer or machine; None: not answered
    outcome: str | None  # busy or no_answer when not answered
    talk_seconds: float = 0.0


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
    if provider == "pbx" and not credentials.get("originate_url"):
        return "the PBX channel has no originate_url credential"
    return None


def failure_from_http(status: int, error: str) -> SendOutcome:
    """Throttling and server errors are worth another try; other refusals are final."""
    return SendOutcome(accepted=False, error=error[:1000], retryable=status == 429 or status >= 500)


def failure_from_transport(exc: httpx.HTTPError) -> SendOutcome:
    return SendOutcome(accepted=False, error=f"provider unreachable: {type(exc).__name__}",
                       retryable=True)

