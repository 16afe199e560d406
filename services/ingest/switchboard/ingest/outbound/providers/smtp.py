"""Email out over SMTP, with the headers that keep the customer's mail client threading it.

The message's Message-ID is `<delivery id@sending domain>` and becomes the
delivery's provider id, so the customer's reply (In-Reply-To it) joins the
same conversation. In-Reply-To names the customer's last message, References
the conversation's messages in order. smtplib runs in a worker thread.
Credentials: `host` (required), `port` (587), `username`, `password`,
`starttls` ("true" unless "false").
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from switchboard.ingest.outbound.providers.base import OutboundSend, SendOutcome


def message_id_for(outbound: OutboundSend) -> str:
    domain = outbound.from_address.rpartition("@")[2] or "switchboard.invalid"
    return f"<{outbound.delivery_id}@{domain}>"


def build_email(outbound: OutboundSend) -> EmailMessage:
    message = EmailMessage()
    message["From"] = outbound.from_address
    message["To"] = outbound.to_address
    message["Subject"] = outbound.subject or "(no subject)"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id_for(outbound)
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    if outbound.references:
        message["References"] = " ".join(outbound.references)
    message.set_content(outbound.text)
    return message


def _deliver(outbound: OutboundSend, message: EmailMessage, seconds: float) -> None:
    credentials = outbound.credentials
    with smtplib.SMTP(credentials["host"], int(credentials.get("port", "587")), timeout=seconds) as client:
        if credentials.get("starttls", "true").lower() != "false":
            client.starttls(context=ssl.create_default_context())
        if credentials.get("username"):
            client.login(credentials["username"], credentials.get("password", ""))
        client.send_message(message)


async def send(outbound: OutboundSend, socket_seconds: float) -> SendOutcome:
    message = build_email(outbound)
    try:
        await asyncio.to_thread(_deliver, outbound, message, socket_seconds)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        return SendOutcome(accepted=False, error=f"SMTP refused the recipient ({codes})",
                           retryable=all(400 <= c < 500 for c in codes))
    except smtplib.SMTPResponseException as exc:
        error = exc.smtp_error
        detail = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return SendOutcome(accepted=False, error=f"SMTP {exc.smtp_code}: {detail}"[:1000],
                           retryable=400 <= exc.smtp_code < 500)
    except (OSError, smtplib.SMTPException) as exc:
        return SendOutcome(accepted=False, error=f"SMTP server unreachable: {type(exc).__name__}",
                           retryable=True)
    return SendOutcome(accepted=True, status="sent", provider_message_id=message_id_for(outbound))
