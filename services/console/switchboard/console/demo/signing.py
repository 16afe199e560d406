"""The providers' webhook signatures, computed as the providers compute them.

The demo signs like an outside party would, from the published schemes (docs/ingest.md),
not with ingest's code: the console does not depend on ingest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time


def generic_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The generic gateway's (and the PBX's) scheme: hex HMAC-SHA256 of "{timestamp}.{body}"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def generic_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
            "X-Signature": generic_signature(secret, timestamp, body)}


def mailgun_signature_fields(signing_key: str, now: float | None = None) -> dict[str, str]:
    """Mailgun's form fields `timestamp`, `token` and `signature` = HMAC-SHA256(timestamp + token)."""
    timestamp = str(int(now if now is not None else time.time()))
    token = secrets.token_hex(25)
    signature = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}
