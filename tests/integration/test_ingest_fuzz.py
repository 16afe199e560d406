"""Random bodies and headers posted to every webhook: always a clear 4xx or 2xx, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from switchboard.common.auth import mint_token
from switchboard.common.migrations import upgrade
from switchboard.ingest.config import IngestSettings
from switchboard.ingest.main import create_app
from switchboard.ingest.signatures import sign_generic

pytestmark = pytest.mark.integration

SECRET = "0123456789abcdef0123"
WEBHOOKS = ("/v1/webhooks/sms/generic/{id}", "/v1/webhooks/sms/twilio/{id}",
            "/v1/webhooks/sms/generic/{id}/status", "/v1/webhooks/sms/twilio/{id}/status",
            "/v1/webhooks/email/mailgun/{email}", "/v1/webhooks/email/raw/{email}",
            "/v1/webhooks/voice/pbx/{voice}", "/v1/webhooks/voice/twilio/{voice}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fuzz') / 'ingest.db'}"
    upgrade("switchboard.ingest", url)
    # The bus is unreachable on purpose: accepted events simply wait in the outbox.
    service_settings = IngestSettings(database_url=url, nats_url="nats://127.0.0.1:9")
    app = create_app(service_settings)
    token = mint_token(service_settings, tenant="acme", subject="fuzz", roles=["admin"])
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.post("/v1/channels", json={
            "kind": "sms", "provider": "twilio", "address": "+14155550199", "name": "fuzz",
            "signing_secret": SECRET,
        }, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.text
        mailbox = test_client.post("/v1/channels", json={
            "kind": "email", "provider": "mailgun", "address": "help@acme.cn", "name": "fuzz",
            "signing_secret": SECRET,
        }, headers={"Authorization": f"Bearer {token}"})
        assert mailbox.status_code == 201, mailbox.text
        voice = test_client.post("/v1/channels", json={
            "kind": "voice", "provider": "pbx", "address": "10086", "name": "fuzz", "signing_secret": SECRET,
        }, headers={"Authorization": f"Bearer {token}"})
        assert voice.status_code == 201, voice.text
        yield test_client, {"id": response.json()["id"], "email": mailbox.json()["id"],
                            "voice": voice.json()["id"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(WEBHOOKS),
    body=st.binary(max_size=2048),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain",
                                  "message/rfc822", "multipart/form-data; boundary=b"]),
    signature=st.text(max_size=64).filter(lambda s: s.isascii() and s.isprintable()),
    channel=st.sampled_from(["known", "unknown"]),
    signed=st.booleans(),
)
def test_random_webhook_requests_never_cause_a_server_error(
    client: tuple[TestClient, dict[str, str]], path: str, body: bytes, content_type: str, signature: str,
    channel: str, signed: bool,
) -> None:
    test_client, channels = client
    url = path.format(**(channels if channel == "known" else dict.fromkeys(channels, "no-such-channel")))
    headers = {"Content-Type": content_type, "X-Signature": signature,
               "X-Signature-Timestamp": signature, "X-Twilio-Signature": signature}
    if signed:  # a correct signature lets the random body reach the parsers
        headers.update(_valid_signatures(f"http://testserver{url}", body))
    response = test_client.post(url, content=body, headers=headers)
    assert response.status_code < 500, response.text


def _valid_signatures(url: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signatures = {"X-Signature-Timestamp": timestamp,
                  "X-Signature": sign_generic(SECRET, timestamp, body)}
    try:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return signatures
    signatures["X-Twilio-Signature"] = RequestValidator(SECRET).compute_signature(url, params)
    return signatures
