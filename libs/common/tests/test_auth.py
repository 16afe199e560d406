"""Development tokens and their verification."""

import time

import jwt
import pytest

from switchboard.common.auth import ROLES, TokenVerifier, mint_token
from switchboard.common.errors import Unauthorized
from switchboard.common.settings import ServiceSettings

SECRET = "a-test-secret-that-is-long-enough-123"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> ServiceSettings:
    for name in ("SB_JWT_PUBLIC_KEY", "SB_JWT_ISSUER", "SB_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SB_JWT_SECRET", SECRET)
    return ServiceSettings()


def claims(settings: ServiceSettings, **changes: object) -> dict:
    base = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "exp": int(time.time()) + 600,
            "sub": "alice", "tenant": "acme", "roles": ["agent"]}
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def refused(settings: ServiceSettings, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as caught:
        TokenVerifier(settings).verify(token)
    assert caught.value.status == 401
    return caught.value


def test_a_minted_token_verifies_to_its_tenant_roles_and_subject(settings: ServiceSettings) -> None:
    token = mint_token(settings, tenant="acme", subject="alice", roles=["agent", "supervisor"])
    principal = TokenVerifier(settings).verify(token)
    assert (principal.tenant, principal.subject) == ("acme", "alice")
    assert principal.roles == frozenset({"agent", "supervisor"})
    assert principal.has_any("admin", "supervisor") and not principal.has_any("admin")


def test_the_secret_is_read_from_the_environment(settings: ServiceSettings) -> None:
    assert settings.jwt_secret == SECRET
    given = "given-by-alias-0123456789"
    assert ServiceSettings(SB_JWT_SECRET=given).jwt_secret == given


def test_an_expired_token_is_refused_as_expired(settings: ServiceSettings) -> None:
    token = mint_token(settings, tenant="acme", subject="a", roles=["agent"], ttl_seconds=-10)
    assert "expired" in refused(settings, token).detail


def test_a_token_signed_with_another_secret_is_refused(settings: ServiceSettings) -> None:
    other = ServiceSettings(SB_JWT_SECRET="some-other-secret-entirely-456789")
    token = mint_token(other, tenant="acme", subject="a", roles=["agent"])
    assert "signature" in refused(settings, token).detail


@pytest.mark.parametrize("changes", [
    {"aud": "someone-else"},
    {"iss": "another-issuer"},
    {"tenant": None},
    {"sub": None},
    {"exp": None},
    {"tenant": "Not Valid"},
    {"tenant": "acme.corp"},
    {"tenant": 42},
    {"roles": "agent"},
], ids=["audience", "issuer", "no tenant", "no subject", "no expiry", "tenant with a space",
        "tenant with a dot", "tenant not a string", "roles not a list"])
def test_tokens_with_wrong_missing_or_malformed_claims_are_refused(
    settings: ServiceSettings, changes: dict
) -> None:
    refused(settings, jwt.encode(claims(settings, **changes), SECRET, algorithm="HS256"))


def test_an_unsigned_token_is_refused(settings: ServiceSettings) -> None:
    refused(settings, jwt.encode(claims(settings), None, algorithm="none"))


def test_a_token_that_is_not_a_jwt_is_refused(settings: ServiceSettings) -> None:
    refused(settings, "not-a-token")


def test_a_token_without_roles_has_none(settings: ServiceSettings) -> None:
    token = jwt.encode(claims(settings, roles=None), SECRET, algorithm="HS256")
    assert TokenVerifier(settings).verify(token).roles == frozenset()


def test_minting_accepts_every_documented_role(settings: ServiceSettings) -> None:
    token = mint_token(settings, tenant="acme", subject="a", roles=list(ROLES))
    assert TokenVerifier(settings).verify(token).roles == frozenset(
        {"admin", "supervisor", "agent", "evaluator", "service"}
    )


def test_minting_refuses_unknown_roles(settings: ServiceSettings) -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        mint_token(settings, tenant="acme", subject="a", roles=["agent", "root"])


@pytest.mark.parametrize("tenant", ["ACME", "acme.corp", "", "a b"])
def test_minting_refuses_invalid_tenants(settings: ServiceSettings, tenant: str) -> None:
    with pytest.raises(ValueError, match="tenant"):
        mint_token(settings, tenant=tenant, subject="a", roles=["admin"])
