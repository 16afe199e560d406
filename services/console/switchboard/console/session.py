"""Signing in and out: the session is the user's token in an HttpOnly cookie.

With the local development secret the console signs users of its development
directory in itself (`ConsoleSettings.users`); with an identity provider's public
key it only accepts that provider's tokens ("sign in with a token").
"""

from __future__ import annotations

import hmac
import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from switchboard.common.auth import Principal, TokenVerifier, mint_token
from switchboard.common.errors import Unauthorized, Unprocessable
from switchboard.common.events.base import valid_tenant
from switchboard.console.config import ConsoleSettings

router = APIRouter(prefix="/session", tags=["session"])


class FieldProblem(Unprocessable):
    """A 422 naming the form fields at fault, in the services' `errors` shape."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()),
                         errors=[{"field": field, "message": message} for field, message in errors.items()])


class SignIn(BaseModel):
    tenant: str = Field("", max_length=64)
    username: str = Field("", max_length=128)
    password: str = Field("", max_length=256)
    token: str = Field("", max_length=8192, description="an identity provider's token, instead of a password")


class SessionOut(BaseModel):
    subject: str
    tenant: str
    roles: list[str]
    expires_at: int


def settings_of(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


Settings = Annotated[ConsoleSettings, Depends(settings_of)]


def session_token(request: Request) -> str | None:
    return request.cookies.get(settings_of(request).session_cookie)


def current_session(request: Request) -> tuple[Principal, str]:
    """The signed-in user and their token; 401 when there is none or it has expired."""
    token = session_token(request)
    if not token:
        raise Unauthorized("not signed in")
    verifier: TokenVerifier = request.app.state.verifier
    return verifier.verify(token), token


def _expiry(token: str) -> int:
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["exp"])


def _token_for(settings: ConsoleSettings, body: SignIn) -> str:
    if body.token:
        return body.token.strip()
    errors = {}
    if not valid_tenant(body.tenant):
        errors["tenant"] = "a tenant id is letters a-z, digits, - and _"
    if not body.username:
        errors["username"] = "enter your user name"
    if not body.password:
        errors["password"] = "enter your password"  # noqa: S105 - a message, not a secret
    if errors:
        raise FieldProblem(errors)
    if settings.jwt_public_key:
        raise FieldProblem({"token": "this console signs in with your identity provider's token"})
    user = next((u for u in settings.users if u.username == body.username), None)
    if user is None or not hmac.compare_digest(user.password, body.password):
        raise FieldProblem({"password": "the user name or the password is not right"})
    return mint_token(settings, tenant=body.tenant, subject=user.username, roles=user.roles)


@router.post("", response_model=SessionOut, summary="Sign in")
async def sign_in(body: SignIn, request: Request, response: Response, settings: Settings) -> SessionOut:
    token = _token_for(settings, body)
    verifier: TokenVerifier = request.app.state.verifier
    try:
        principal = verifier.verify(token)
    except Unauthorized as exc:
        raise FieldProblem({"token": exc.detail}) from exc
    expires_at = _expiry(token)
    response.set_cookie(settings.session_cookie, token, max_age=max(1, expires_at - int(time.time())),
                        httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return SessionOut(subject=principal.subject, tenant=principal.tenant,
                      roles=sorted(principal.roles), expires_at=expires_at)


@router.get("", response_model=SessionOut, summary="Who is signed in")
async def who(request: Request) -> SessionOut:
    principal, token = current_session(request)
    return SessionOut(subject=principal.subject, tenant=principal.tenant,
                      roles=sorted(principal.roles), expires_at=_expiry(token))


@router.delete("", status_code=204, summary="Sign out")
async def sign_out(response: Response, settings: Settings) -> None:
    response.delete_cookie(settings.session_cookie)
