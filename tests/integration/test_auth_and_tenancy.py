"""Tokens are checked on every call and a tenant never sees another tenant's rows."""

from __future__ import annotations

import httpx
import jwt
import pytest

from switchboard.common.auth import mint_token
from switchboard.common.settings import ServiceSettings
from switchboard.common.testing import Platform, wait_until


@pytest.fixture
def running(platform: Platform) -> Platform:
    platform.start(["ingest", "profile"])
    return platform


def _problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    return dict(body)


def test_a_tenant_never_sees_another_tenants_rows(running: Platform, sms_channel) -> None:
    gateway = sms_channel(running, "acme")
    assert gateway.send("+8613800138000", "hello").status_code == 200
    with running.client("profile", "acme", "agent") as acme:
        wait_until(lambda: acme.get("/v1/customers", params={"phone": "+8613800138000"}).json(),
                   30, "the customer to be resolved")
        customer_id = acme.get("/v1/customers", params={"phone": "+8613800138000"}).json()[0]["id"]
        assert acme.get(f"/v1/customers/{customer_id}").status_code == 200

    with running.client("profile", "globex", "admin") as globex:
        _problem(globex.get(f"/v1/customers/{customer_id}"), 404)
        _problem(globex.get(f"/v1/customers/{customer_id}/timeline"), 404)
        assert globex.get("/v1/customers", params={"phone": "+8613800138000"}).json() == []
    with running.client("ingest", "globex", "admin") as globex:
        _problem(globex.get(f"/v1/channels/{gateway.channel_id}"), 404)
        assert globex.get("/v1/channels").json() == []
    with running.client("ingest", "acme", "agent") as acme:
        assert [c["id"] for c in acme.get("/v1/channels").json()] == [gateway.channel_id]


@pytest.mark.parametrize("service", ["ingest", "profile"])
def test_missing_expired_and_badly_signed_tokens_get_401(running: Platform, service: str) -> None:
    path = "/v1/channels" if service == "ingest" else "/v1/customers?phone=%2B8613800138000"
    settings = ServiceSettings()
    expired = mint_token(settings, tenant="acme", subject="u", roles=["admin"], ttl_seconds=-60)
    forged = jwt.encode({"sub": "u", "tenant": "acme", "roles": ["admin"], "exp": 4_000_000_000,
                         "iss": settings.jwt_issuer, "aud": settings.jwt_audience},
                        "not-the-platform-secret-at-all!!", algorithm="HS256")
    url = running.url(service) + path

    def with_token(token: str) -> httpx.Response:
        return httpx.get(url, headers={"Authorization": f"Bearer {token}"})

    assert "bearer" in _problem(httpx.get(url), 401)["detail"]
    assert "expired" in _problem(with_token(expired), 401)["detail"]
    assert "signature" in _problem(with_token(forged), 401)["detail"]
    _problem(with_token("not-a-jwt"), 401)


def test_a_role_that_is_not_allowed_gets_403(running: Platform) -> None:
    with running.client("ingest", "acme", "agent") as agent:
        response = agent.post("/v1/channels", json={
            "kind": "sms", "provider": "generic", "address": "+861", "name": "x",
            "signing_secret": "0123456789abcdef",
        })
    assert "admin" in _problem(response, 403)["detail"]
    with running.client("profile", "acme", "agent") as agent:
        _problem(agent.put("/v1/settings", json={"default_region": "CN"}), 403)


def test_operations_endpoints_answer_without_a_token(running: Platform) -> None:
    for service in ("ingest", "profile"):
        assert httpx.get(running.url(service) + "/healthz").json()["status"] == "ok"
        ready = httpx.get(running.url(service) + "/readyz").json()
        assert ready == {"status": "ready", "checks": {"database": True, "bus": True}}
        metrics = httpx.get(running.url(service) + "/metrics").text
        assert "sb_http_requests_total" in metrics
        assert httpx.get(running.url(service) + "/openapi.json").status_code == 200


def test_readiness_reports_the_bus_down_and_recovers(running: Platform) -> None:
    assert running.nats is not None
    running.nats.kill()
    wait_until(lambda: httpx.get(running.url("profile") + "/readyz").status_code == 503, 30,
               "readyz to report the bus down")
    assert httpx.get(running.url("profile") + "/healthz").status_code == 200
    running.nats.start()
    wait_until(lambda: httpx.get(running.url("profile") + "/readyz").status_code == 200, 30,
               "readyz to recover")
