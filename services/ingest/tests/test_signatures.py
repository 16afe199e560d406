"""The generic gateway's HMAC signature with its replay window."""

import time

import pytest

from switchboard.common.errors import Forbidden
from switchboard.ingest.signatures import sign_generic, verify_generic

SECRET = "gateway-secret-0123456789"
BODY = b'{"message_id":"m1","from":"+8613800138000","to":"+8610086","text":"hi"}'
NOW = 1_714_560_000


def verify(timestamp: str | None, signature: str | None, body: bytes = BODY, now: float = NOW) -> None:
    verify_generic(SECRET, timestamp, signature, body, window_seconds=300, now=now)


def test_the_signature_is_the_hex_hmac_sha256_of_timestamp_dot_body() -> None:
    # The vector a gateway integrator gets from:
    # printf '%s' '1714560000.<body>' | openssl dgst -sha256 -hmac gateway-secret-0123456789
    assert sign_generic(SECRET, "1714560000", BODY) == (
        "1e9bc6ec7d5ddeb61631bc196908ae52dd348339f4614c70cce126eeb0f948f8"
    )


def test_a_correct_signature_is_accepted() -> None:
    ts = str(NOW)
    verify(ts, sign_generic(SECRET, ts, BODY))


def test_a_correct_signature_is_accepted_at_the_real_clock() -> None:
    ts = str(int(time.time()))
    verify_generic(SECRET, ts, sign_generic(SECRET, ts, BODY), BODY, window_seconds=300)


def test_the_signature_may_arrive_in_upper_case_or_padded() -> None:
    ts = str(NOW)
    verify(ts, f" {sign_generic(SECRET, ts, BODY).upper()} ")


@pytest.mark.parametrize("offset", [-300, 300])
def test_a_timestamp_at_the_edge_of_the_window_is_accepted(offset: int) -> None:
    ts = str(NOW + offset)
    verify(ts, sign_generic(SECRET, ts, BODY))


def forbidden(timestamp: str | None, signature: str | None, body: bytes = BODY) -> str:
    with pytest.raises(Forbidden) as caught:
        verify(timestamp, signature, body)
    assert caught.value.status == 403
    return caught.value.detail


@pytest.mark.parametrize(("timestamp", "signature"), [
    (None, "abc"), (str(NOW), None), ("", sign_generic(SECRET, "", BODY)), (None, None),
])
def test_a_request_without_both_headers_is_forbidden(timestamp: str | None, signature: str | None) -> None:
    assert "not signed" in forbidden(timestamp, signature)


def test_a_signature_made_with_another_secret_is_forbidden() -> None:
    ts = str(NOW)
    assert "does not match" in forbidden(ts, sign_generic("another-secret-456", ts, BODY))


def test_a_tampered_body_is_forbidden() -> None:
    ts = str(NOW)
    assert "does not match" in forbidden(ts, sign_generic(SECRET, ts, BODY), BODY.replace(b"hi", b"ho"))


def test_a_signature_replayed_with_another_timestamp_is_forbidden() -> None:
    assert "does not match" in forbidden(str(NOW), sign_generic(SECRET, str(NOW - 10), BODY))


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_a_timestamp_outside_the_window_is_forbidden_even_when_correctly_signed(offset: int) -> None:
    ts = str(NOW + offset)
    assert "replay window" in forbidden(ts, sign_generic(SECRET, ts, BODY))


@pytest.mark.parametrize("timestamp", ["yesterday", "1714560000.5", "0x66321c00", "1.7e9"])
def test_a_timestamp_that_is_not_whole_unix_seconds_is_forbidden(timestamp: str) -> None:
    assert "Unix time" in forbidden(timestamp, sign_generic(SECRET, timestamp, BODY))


def test_a_signature_header_with_non_ascii_characters_is_forbidden() -> None:
    forbidden(str(NOW), "é" * 64)
