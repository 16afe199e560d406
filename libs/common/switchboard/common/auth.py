"""Bearer JWT authentication, roles and the caller's tenant.

Production verifies RS256/ES256 tokens from the OIDC provider with its public
key (`SB_JWT_PUBLIC_KEY`); the embedded default signs and verifies HS256 with a
local secret, and `switchboard token` mints development tokens with it.
Claims: `tenant`, `roles` (admin, supervisor, agent, evaluator, service), `sub`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request

from switchboard.common.errors import Forbidden, Unauthorized
from switchboard.common.events.base import valid_tenant
from switchboard.common.settings import ServiceSettings
from switchboard.common.tracing import tenant_var

Role = Literal["admin", "supervisor", "agent", "evaluator", "service"]
ROLES: tuple[Role, ...] = ("admin", "supervisor", "agent", "evaluator", "service")


@dataclass(frozen=True)
class Principal:
    subject: str
    tenant: str
    roles: frozenset[str]

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        if settings.jwt_public_key:
            self._key = settings.jwt_public_key
            self._algorithms = ["RS256", "ES256"]
        else:
            self._key = settings.jwt_secret
            self._algorithms = ["HS256"]

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "sub", "tenant"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the token has expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthorized("the token's signature is not valid") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from exc
        tenant = claims["tenant"]
        if not isinstance(tenant, str) or not valid_tenant(tenant):
            raise Unauthorized("the token's tenant claim is not a valid tenant id")
        roles = claims.get("roles", [])
        if not isinstance(roles, list):
            raise Unauthorized("the token's roles claim must be a list")
        return Principal(subject=str(claims["sub"]), tenant=tenant, roles=frozenset(map(str, roles)))


def mint_token(
    settings: ServiceSettings,
    *,
    tenant: str,
    subject: str,
    roles: list[str],
    ttl_seconds: int = 12 * 3600,
) -> str:
    """A development token signed with the local secret (never used with a public key)."""
    if not valid_tenant(tenant):
        raise ValueError(f"{tenant!r} is not a valid tenant id (a-z, 0-9, - and _)")
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}; roles are {', '.join(ROLES)}")
    now = int(time.time())
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "tenant": tenant,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("a bearer token is required (Authorization: Bearer <jwt>)")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    verifier: TokenVerifier = request.app.state.runtime.verifier
    principal = verifier.verify(_bearer(request))
    tenant_var.set(principal.tenant)
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the caller, who must hold at least one of `roles`."""

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if not principal.has_any(*roles):
            raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
        return principal

    return dependency
