"""The Mailgun-style inbound-parse webhook: its signature and its form.

Mailgun posts the parsed message as multipart/form-data (urlencoded when there
are no attachments): `sender`, `recipient`, `subject`, `body-plain`,
`body-html`, `stripped-text`, `Message-Id`, `In-Reply-To`, `References`,
`attachment-count` and the files `attachment-1..N`, `content-id-map`, plus
`timestamp`, `token` and `signature` = hex HMAC-SHA256 of timestamp + token
keyed by the webhook signing key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qsl

from switchboard.common.errors import Forbidden, Unprocessable
from switchboard.ingest.mail.mime import AttachmentData, ParsedEmail, address_of, message_ids
from switchboard.ingest.mail.text import html_to_text, strip_quoted

Form = dict[str, str]


def sign_mailgun(signing_key: str, timestamp: str, token: str) -> str:
    return hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def verify_mailgun(signing_key: str, form: Form, *, window_seconds: int, now: float | None = None) -> None:
    timestamp, token, signature = form.get("timestamp"), form.get("token"), form.get("signature")
    if not timestamp or not token or not signature:
        raise Forbidden("the request is not signed (timestamp, token and signature fields)")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise Forbidden("timestamp must be a Unix time in seconds") from exc
    if abs((now or time.time()) - sent_at) > window_seconds:
        raise Forbidden("the signature timestamp is outside the replay window")
    expected = sign_mailgun(signing_key, timestamp, token)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8")):
        raise Forbidden("the signature does not match the request")


def parse_form(body: bytes, content_type: str) -> tuple[Form, list[tuple[str, AttachmentData]]]:
    """The text fields, and the files with their field names."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), []
        except (UnicodeDecodeError, ValueError) as exc:
            raise Unprocessable("the body is not a valid form-encoded request") from exc
    if kind != "multipart/form-data":
        raise Unprocessable("expected multipart/form-data or application/x-www-form-urlencoded")
    envelope = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(envelope + body)
    if not message.is_multipart() or message.defects:
        raise Unprocessable("the body is not valid multipart/form-data")
    fields: Form = {}
    files: list[tuple[str, AttachmentData]] = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if not isinstance(name, str):
            continue
        if filename := part.get_filename():
            files.append((name, AttachmentData(filename, part.get_content_type(), payload)))
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return fields, files


def parsed_email(form: Form, files: list[tuple[str, AttachmentData]]) -> ParsedEmail:
    sender = address_of(form.get("sender") or form.get("from"))
    if "@" not in sender:
        raise Unprocessable("sender: a sender address is required")
    text = form.get("body-plain") or html_to_text(form.get("body-html", ""))
    ids = message_ids(form.get("Message-Id") or form.get("message-id"))
    if not ids:
        raise Unprocessable("Message-Id: the message id is required")
    return ParsedEmail(
        message_id=ids[0], sender=sender,
        recipients=tuple(a.strip().lower() for a in form.get("recipient", "").split(",") if "@" in a),
        subject=form.get("subject", "").strip(), text=text.strip(),
        new_text=(form.get("stripped-text") or strip_quoted(text)).strip(),
        in_reply_to=message_ids(form.get("In-Reply-To")),
        references=message_ids(form.get("References")),
        attachments=tuple(_with_inline(files, form.get("content-id-map"))),
    )


def _with_inline(files: list[tuple[str, AttachmentData]], cid_map: str | None) -> list[AttachmentData]:
    """Mailgun names inline images in content-id-map: {"<cid>": "attachment-1"}."""
    try:
        by_field = {field: cid.strip("<>") for cid, field in json.loads(cid_map or "{}").items()}
    except (ValueError, AttributeError, TypeError):
        by_field = {}
    return [
        AttachmentData(a.filename, a.content_type, a.data, inline=name in by_field,
                       content_id=by_field.get(name))
        for name, a in files
    ]
