"""A raw message (RFC 5322 with MIME parts) to what Switchboard keeps of it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from switchboard.common.errors import Unprocessable
from switchboard.ingest.mail.text import decode_bytes, html_to_text, strip_quoted

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class AttachmentData:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    text: str  # the whole readable body, quotes included
    new_text: str  # what this message adds: quoted history removed
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    attachments: tuple[AttachmentData, ...] = ()
    sent_at: datetime | None = None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Earlier messages this one answers, nearest first."""
        return self.in_reply_to + tuple(reversed(self.references))


def message_ids(header: str | None) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(header or ""))


def address_of(header: str | None) -> str:
    return parseaddr(str(header or ""))[1].strip().lower()


def parse_mime(raw: bytes) -> ParsedEmail:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser's failures are the sender's problem
        raise Unprocessable(f"the message is not readable MIME: {exc}") from exc
    sender = address_of(_header(message, "from"))
    if "@" not in sender:
        raise Unprocessable("the message has no sender address (From)")
    plain, markup, attachments = _walk(message)
    text = plain if plain.strip() else html_to_text(markup)
    ids = message_ids(_header(message, "message-id"))
    return ParsedEmail(
        message_id=ids[0] if ids else _synthetic_id(raw),
        sender=sender,
        recipients=tuple(a.lower() for _, a in getaddresses(
            [_header(message, "to") or "", _header(message, "cc") or ""]) if "@" in a),
        subject=(_header(message, "subject") or "").strip(),
        text=text.strip(),
        new_text=strip_quoted(text),
        in_reply_to=message_ids(_header(message, "in-reply-to")),
        references=message_ids(_header(message, "references")),
        attachments=tuple(attachments),
        sent_at=_date(_header(message, "date")),
    )


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - a header the policy cannot parse is treated as absent
        return None
    return None if value is None else str(value)


def _walk(message: EmailMessage | Message) -> tuple[str, str, list[AttachmentData]]:
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[AttachmentData] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if disposition == "attachment" or filename or not content_type.startswith("text/"):
            content_id = (part.get("content-id") or "").strip("<> ") or None
            attachments.append(AttachmentData(
                filename=filename or f"part-{len(attachments) + 1}", content_type=content_type,
                data=data, inline=disposition == "inline" or content_id is not None,
                content_id=content_id,
            ))
        elif content_type == "text/html":
            markup.append(decode_bytes(data, part.get_content_charset()))
        else:
            plain.append(decode_bytes(data, part.get_content_charset()))
    return "\n".join(plain), "\n".join(markup), attachments


def _synthetic_id(raw: bytes) -> str:
    """A stable id for a message without Message-ID, so that a re-delivery is still a duplicate."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@switchboard.invalid>"


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else None
