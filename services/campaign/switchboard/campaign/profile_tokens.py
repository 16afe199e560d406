"""The service token campaign presents to profile's API, one tenant at a time.

Profile scopes every request by the token's `tenant` claim, so campaign needs a token per tenant:

- the embedded default (tokens signed with the shared secret): minted here, ten minutes long;
- with an OIDC provider (`CAMPAIGN_PROFILE_TOKEN_URL`): the OAuth 2.0 client-credentials grant
  (RFC 6749, section 4.4) with the tenant's own client (`CAMPAIGN_PROFILE_CLIENTS`, JSON: tenant to
  `client_id` and `client_secret`, sent as HTTP Basic), each token kept until a minute before it
  expires and fetched once however many calls wait for it;
- one given token (`CAMPAIGN_PROFILE_TOKEN`), for a deployment that serves a single tenant.

A token whose `tenant` claim is not the tenant asked for is refused, never sent: a client filed
under the wrong tenant would otherwise read another tenant's customers. The claim is read without
checking the signature; profile checks that.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import jwt
from pydantic import BaseModel, SecretStr

from switchboard.common.auth import mint_token
from switchboard.common.settings import ServiceSettings

MINTED_SECONDS = 600
EARLY_SECONDS = 60.0  # a cached token is renewed this long before it expires


class ProfileAuthError(Exception):
    """No usable token for the tenant: no client configured, the provider refused, or a token
    that names another tenant. The message says which, and names no secret."""


class ClientCredentials(BaseModel):
    client_id: str
    client_secret: SecretStr


class ServiceTokens:
    def __init__(self, settings: ServiceSettings, *, transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._settings, self._clock = settings, clock
        self._given: str | None = getattr(settings, "profile_token", None)
        self._token_url: str | None = getattr(settings, "profile_token_url", None)
        self._clients = clients_of(getattr(settings, "profile_clients", None) or {})
        self._form = {key: value for key, value in (
            ("scope", getattr(settings, "profile_token_scope", None)),
            ("audience", getattr(settings, "profile_token_audience", None))) if value}
        self._cached: dict[str, tuple[str, float]] = {}
        self._fetching: dict[str, asyncio.Lock] = {}
        self._http = httpx.AsyncClient(transport=transport, timeout=10.0) if self._token_url else None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def token(self, tenant: str) -> str:
        if self._token_url:
            return await self._client_credentials(tenant)
        if self._given:
            return checked(self._given, tenant, "CAMPAIGN_PROFILE_TOKEN")
        if self._settings.jwt_public_key:
            raise ProfileAuthError(
                "tokens are verified with the OIDC provider's key, so campaign cannot mint one for "
                f"tenant {tenant!r}: set CAMPAIGN_PROFILE_TOKEN_URL and CAMPAIGN_PROFILE_CLIENTS")
        return mint_token(self._settings, tenant=tenant, subject="campaign", roles=["service"],
                          ttl_seconds=MINTED_SECONDS)

    async def _client_credentials(self, tenant: str) -> str:
        lock = self._fetching.setdefault(tenant, asyncio.Lock())
        async with lock:
            cached = self._cached.get(tenant)
            if cached is not None and self._clock() < cached[1]:
                return cached[0]
            token, renew_at = await self._fetch(tenant)
            self._cached[tenant] = (token, renew_at)
            return token

    async def _fetch(self, tenant: str) -> tuple[str, float]:
        client = self._clients.get(tenant)
        if client is None:
            raise ProfileAuthError(f"CAMPAIGN_PROFILE_CLIENTS has no client for tenant {tenant!r}")
        assert self._http is not None and self._token_url is not None
        asked = self._clock()
        try:
            answer = await self._http.post(
                self._token_url, data={"grant_type": "client_credentials", **self._form},
                auth=(client.client_id, client.client_secret.get_secret_value()),
                headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProfileAuthError(f"the token endpoint cannot be reached: {type(exc).__name__}") from exc
        body = _json(answer)
        if answer.status_code != 200 or not isinstance(body.get("access_token"), str):
            reason = body.get("error_description") or body.get("error") or "no access_token"
            raise ProfileAuthError(f"the token endpoint refused tenant {tenant!r}'s client "
                                   f"({answer.status_code}: {reason})")
        token = checked(body["access_token"], tenant, "the token endpoint's token")
        lifetime = _lifetime(body, token, asked)
        return token, asked + max(lifetime - EARLY_SECONDS, lifetime / 2)


def clients_of(raw: Mapping[str, Any]) -> dict[str, ClientCredentials]:
    return {tenant: value if isinstance(value, ClientCredentials) else ClientCredentials.model_validate(value)
            for tenant, value in raw.items()}


def checked(token: str, tenant: str, source: str) -> str:
    """`token`, if its `tenant` claim is `tenant`."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise ProfileAuthError(f"{source} is not a JWT: profile accepts JWT bearer tokens only") from exc
    if claims.get("tenant") != tenant:
        raise ProfileAuthError(f"{source} is for tenant {claims.get('tenant')!r}, not {tenant!r}: refused")
    return token


def _json(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _lifetime(body: dict[str, Any], token: str, asked: float) -> float:
    """Seconds the token lives: `expires_in`, else its `exp` claim, else five minutes."""
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float) and expires_in > 0:
        return float(expires_in)
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    return max(0.0, float(exp) - asked) if isinstance(exp, int | float) else 300.0
