"""Campaign's service tokens for profile under an OIDC provider: one client per tenant, the
client-credentials grant, tokens kept until shortly before they expire, and a token for the wrong
tenant never sent. The provider is faked at the wire (an OAuth 2.0 token endpoint answering as
RFC 6749 says, signing RS256 JWTs); profile is the real app, verifying with the provider's key."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from switchboard.campaign.config import CampaignSettings
from switchboard.campaign.models import Contact
from switchboard.campaign.profile_client import ProfileClient
from switchboard.campaign.profile_tokens import ProfileAuthError, ServiceTokens
from switchboard.campaign.segment_journeys import SegmentJourneys
from switchboard.common.runtime import Runtime
from switchboard.profile.config import ProfileSettings
from switchboard.profile.main import create_app as create_profile_app
from switchboard.profile.models import Base as ProfileBase

ISSUER, AUDIENCE, TOKEN_URL = "https://idp.example/realms/cc", "switchboard", "https://idp.example/token"
CLIENTS = {"acme": {"client_id": "campaign-acme", "client_secret": "s3cret-acme"},
           "beta": {"client_id": "campaign-beta", "client_secret": "s3cret-beta"}}


class Provider:
    """An OAuth 2.0 token endpoint: client_secret_basic, grant_type=client_credentials, and a JWT
    naming the tenant its client belongs to (as a claim mapper on each tenant's client would)."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        self.tenant_of = {c["client_id"]: (tenant, c["client_secret"]) for tenant, c in CLIENTS.items()}
        self.asked: list[str] = []
        self.expires_in = 300

    def sign(self, tenant: str, subject: str, roles: list[str], ttl: int = 300) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "tenant": tenant, "roles": roles,
                  "iat": now, "exp": now + ttl}
        return jwt.encode(claims, self.key, algorithm="RS256")

    def handle(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        basic = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
        client_id, _, secret = basic.partition(":")
        self.asked.append(client_id)
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        known = self.tenant_of.get(client_id)
        if known is None or known[1] != secret:
            return httpx.Response(401, json={"error": "invalid_client",
                                             "error_description": "Invalid client credentials"})
        token = self.sign(known[0], f"service-account-{client_id}", ["service"], self.expires_in)
        return httpx.Response(200, json={"access_token": token, "token_type": "Bearer",
                                         "expires_in": self.expires_in, "scope": form.get("scope", "")})


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Provider:
    return Provider()


def oidc_settings(provider: Provider, **changes: Any) -> CampaignSettings:
    values: dict[str, Any] = {"SB_JWT_PUBLIC_KEY": provider.public_pem, "SB_JWT_ISSUER": ISSUER,
                              "SB_JWT_AUDIENCE": AUDIENCE, "profile_token_url": TOKEN_URL,
                              "profile_clients": CLIENTS, "profile_token_scope": "profile"}
    return CampaignSettings(**{**values, **changes})


def tokens(provider: Provider, clock: Clock | None = None, **changes: Any) -> ServiceTokens:
    return ServiceTokens(oidc_settings(provider, **changes), transport=httpx.MockTransport(provider.handle),
                         clock=clock or Clock())


@pytest.fixture
async def profile_app(tmp_path: Path, provider: Provider) -> AsyncIterator[Any]:
    settings = ProfileSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/profile.db",
                               nats_url="nats://127.0.0.1:1", SB_JWT_PUBLIC_KEY=provider.public_pem,
                               SB_JWT_ISSUER=ISSUER, SB_JWT_AUDIENCE=AUDIENCE)
    app = create_profile_app(settings)
    async with app.state.runtime.engine.begin() as conn:
        await conn.run_sync(ProfileBase.metadata.create_all)
    yield app
    await app.state.runtime.engine.dispose()


async def seeded(profile_app: Any, provider: Provider, tenant: str, phone: str) -> str:
    """A customer and an everyone-segment in `tenant`, made through profile's API as its admin."""
    headers = {"Authorization": f"Bearer {provider.sign(tenant, 'admin', ['admin'])}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=profile_app), base_url="http://p",
                                 headers=headers) as client:
        made = await client.post("/v1/customers", json={"name": tenant, "identities": [
            {"kind": "phone", "value": phone}]})
        assert made.status_code == 201, made.text
        segment = await client.post("/v1/segments", json={"name": "all", "rules": {}})
        assert segment.status_code == 201, segment.text
        return str(segment.json()["id"])


async def test_each_tenant_reads_profile_with_its_own_clients_token_fetched_once_until_near_expiry(
    profile_app: Any, provider: Provider
) -> None:
    acme_segment = await seeded(profile_app, provider, "acme", "+8613800138000")
    beta_segment = await seeded(profile_app, provider, "beta", "+8613900139000")
    clock = Clock()
    client = ProfileClient(oidc_settings(provider), "http://p", tokens(provider, clock),
                           transport=httpx.ASGITransport(app=profile_app))

    acme = [m.phone async for m in client.segment_members("acme", acme_segment)]
    beta = [m.phone async for m in client.segment_members("beta", beta_segment)]
    assert (acme, beta) == (["+8613800138000"], ["+8613900139000"])
    # beta's token does not open acme's segment: profile scopes by the token's tenant
    with pytest.raises(httpx.HTTPStatusError) as crossed:
        [m async for m in client.segment_members("beta", acme_segment)]
    assert crossed.value.response.status_code == 404

    assert provider.asked == ["campaign-acme", "campaign-beta"]  # kept, not fetched per call
    clock.now += provider.expires_in - 61
    [m async for m in client.segment_members("acme", acme_segment)]
    assert provider.asked == ["campaign-acme", "campaign-beta"]
    clock.now += 2  # within a minute of expiry: renewed
    [m async for m in client.segment_members("acme", acme_segment)]
    assert provider.asked == ["campaign-acme", "campaign-beta", "campaign-acme"]
    await client.close()


async def test_calls_waiting_for_a_tenants_token_share_one_fetch(provider: Provider) -> None:
    source = tokens(provider)
    got = await asyncio.gather(*(source.token("acme") for _ in range(10)))
    assert len(set(got)) == 1 and provider.asked == ["campaign-acme"]
    assert jwt.decode(got[0], options={"verify_signature": False})["tenant"] == "acme"


async def test_no_client_a_refused_client_or_a_token_for_another_tenant_is_a_clear_error(
    provider: Provider
) -> None:
    with pytest.raises(ProfileAuthError, match="no client for tenant 'gamma'"):
        await tokens(provider).token("gamma")
    assert provider.asked == []

    wrong = {**CLIENTS, "acme": {"client_id": "campaign-acme", "client_secret": "not-it"}}
    with pytest.raises(ProfileAuthError) as refused:
        await tokens(provider, profile_clients=wrong).token("acme")
    assert "401: Invalid client credentials" in str(refused.value) and "not-it" not in str(refused.value)

    swapped = {**CLIENTS, "beta": CLIENTS["acme"]}  # beta's entry holds acme's client
    with pytest.raises(ProfileAuthError, match="for tenant 'acme', not 'beta'"):
        await tokens(provider, profile_clients=swapped).token("beta")


async def test_a_given_token_serves_its_own_tenant_only_and_a_public_key_alone_cannot_mint(
    provider: Provider
) -> None:
    given = provider.sign("acme", "campaign", ["service"])
    only = tokens(provider, profile_token_url=None, profile_token=given)
    assert await only.token("acme") == given
    with pytest.raises(ProfileAuthError, match="for tenant 'acme', not 'beta'"):
        await only.token("beta")
    with pytest.raises(ProfileAuthError, match="CAMPAIGN_PROFILE_TOKEN_URL"):
        await tokens(provider, profile_token_url=None).token("acme")


def test_client_secrets_stay_out_of_the_settings_repr(provider: Provider) -> None:
    settings = oidc_settings(provider)
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    assert settings.profile_clients["acme"].client_secret.get_secret_value() == "s3cret-acme"


async def test_a_list_from_a_segment_without_a_token_is_a_503_that_says_why(
    api, runtime: Runtime, provider: Provider
) -> None:
    no_clients = tokens(provider, profile_clients={})
    runtime.extras["profile"] = ProfileClient(runtime.settings, "http://p", no_clients)
    campaign = (await api().post("/v1/campaigns", json={"name": "x", "kind": "sms_blast",
                                                        "message_template": "hi"})).json()
    answer = await api().post(f"/v1/campaigns/{campaign['id']}/lists/segment", json={"segment_id": "s1"})
    assert answer.status_code == 503 and answer.headers["content-type"].startswith("application/problem+json")
    assert "no client for tenant 'acme'" in answer.json()["detail"]


async def test_a_tenant_without_a_token_stops_no_other_tenants_journey(
    api, runtime: Runtime, sessions, profile_app: Any, provider: Provider
) -> None:
    segment = await seeded(profile_app, provider, "acme", "+8613800138000")
    for tenant in ("gamma", "acme"):  # gamma's journey runs first (started first) and fails
        body = {"name": "retention", "kind": "journey", "journey_trigger": "churn_risk",
                "journey_segment": segment, "message_template": "We miss you, $name"}
        created = (await api(tenant).post("/v1/campaigns", json=body)).json()
        assert (await api(tenant).post(f"/v1/campaigns/{created['id']}/start")).status_code == 200
    client = ProfileClient(oidc_settings(provider), "http://p", tokens(provider),
                           transport=httpx.ASGITransport(app=profile_app))
    assert await SegmentJourneys(runtime, client, interval=3600).run_once() == 1
    async with sessions() as session:
        contacts = [(c.tenant_id, c.address) for c in await session.scalars(select(Contact))]
    assert contacts == [("acme", "+8613800138000")]
    assert provider.asked == ["campaign-acme"]
