"""Twilio's request signature (`X-Twilio-Signature`), checked exactly as Twilio signs.

Twilio concatenates the full public URL it posted to (scheme, host, path and
query string) with every form parameter sorted by name, each as name followed
by value, signs that with HMAC-SHA1 keyed by the account's auth token and sends
the base64 digest. Behind a proxy the URL the service sees is not the one Twilio
signed, so the public base URL is a setting and replaces scheme and host.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from switchboard.common.errors import Forbidden


def public_url(request_url: str, public_base_url: str | None) -> str:
    """The URL Twilio signed: the request's path and query on the public base URL."""
    if not public_base_url:
        return request_url
    seen = urlsplit(request_url)
    base = urlsplit(public_base_url.rstrip("/"))
    return urlunsplit((base.scheme, base.netloc, base.path + seen.path, seen.query, ""))


def sign_twilio(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    payload = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> None:
    if not signature:
        raise Forbidden("the request is not signed (X-Twilio-Signature)")
    expected = sign_twilio(auth_token, url, list(params))
    if not hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8")):
        raise Forbidden("the X-Twilio-Signature does not match the request")
