"""Provider signature schemes.

The generic SMS gateway scheme (used by gateways that are not Twilio, as many
Chinese carriers' gateways are): `X-Signature-Timestamp` is the Unix time of
the request, `X-Signature` the hex HMAC-SHA256 of `"{timestamp}.{raw body}"`
with the channel's signing secret. A timestamp outside the replay window is
refused, so a captured request cannot be sent again later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from switchboard.common.errors import Forbidden


def sign_generic(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_generic(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    window_seconds: int,
    now: float | None = None,
) -> None:
    if not timestamp or not signature:
        raise Forbidden("the request is not signed (X-Signature-Timestamp and X-Signature)")
    try:
        sent_at = int(timestamp)
    except ValueError as exc:
        raise Forbidden("X-Signature-Timestamp must be a Unix time in seconds") from exc
    if abs((now or time.time()) - sent_at) > window_seconds:
        raise Forbidden("the signature timestamp is outside the replay window")
    expected = sign_generic(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode("utf-8")):
        raise Forbidden("the signature does not match the request")
