"""A parsed email as an inbound message: the one acceptance path every channel shares."""

from __future__ import annotations

import base64
import hashlib

from switchboard.ingest.inbound import InboundMessage
from switchboard.ingest.mail.mime import ParsedEmail


def as_inbound(parsed: ParsedEmail, *, channel_address: str, content_type: str, raw: bytes) -> InboundMessage:
    """The message's new text is what it says; the whole message stays in the raw payload."""
    return InboundMessage(
        provider_message_id=_bounded(parsed.message_id), from_address=parsed.sender,
        to_address=parsed.recipients[0] if parsed.recipients else channel_address,
        text=parsed.new_text, content_type=content_type, raw_body=_storable(raw, content_type),
        received_at=None, subject=parsed.subject[:998] or None,
        thread_ids=tuple(_bounded(i) for i in parsed.thread_ids), attachments=parsed.attachments,
    )


def _bounded(message_id: str) -> str:
    """Message-IDs have no length limit; a rare long one is kept as its digest, consistently."""
    if len(message_id) <= 255:
        return message_id
    return f"<sha256-{hashlib.sha256(message_id.encode()).hexdigest()}>"


def _storable(raw: bytes, content_type: str) -> str:
    """Raw mail is usually 7-bit; 8-bit mail in a legacy charset is kept as base64, losslessly."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(raw).decode()
