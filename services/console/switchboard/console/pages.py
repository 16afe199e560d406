"""The console's pages: one template and one script per page, shown to the roles that use it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from switchboard.common.auth import Principal
from switchboard.common.errors import Problem
from switchboard.console.i18n import LANG_COOKIE, language_of, messages
from switchboard.console.session import current_session, settings_of

templates = Jinja2Templates(directory=str(files("switchboard.console").joinpath("templates")))
router = APIRouter(tags=["pages"], include_in_schema=False)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    roles: frozenset[str]


PAGES = [
    Page("agent", "/agent", frozenset({"agent", "admin"})),
    Page("wallboard", "/wallboard", frozenset({"supervisor", "admin"})),
    Page("routing", "/admin/routing", frozenset({"admin"})),
    Page("campaigns", "/admin/campaigns", frozenset({"admin", "supervisor"})),
    Page("qa", "/qa", frozenset({"evaluator", "supervisor", "admin"})),
    Page("reports", "/reports", frozenset({"supervisor", "admin", "evaluator"})),
]


def render(request: Request, template: str, page: str, principal: Principal | None,
           **context: object) -> Response:
    lang = language_of(request)
    texts = messages(page, lang)
    allowed = [p for p in PAGES if principal and principal.roles & p.roles]
    response = templates.TemplateResponse(request, template, {
        "lang": lang, "page": page, "user": principal, "pages": allowed,
        "widget_base": settings_of(request).widget_base_url(),
        "t": lambda key: texts.get(key, key),
        "messages": texts,
        **context,
    })
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _signed_in(request: Request) -> Principal | None:
    try:
        principal, _token = current_session(request)
    except Problem:
        return None
    return principal


@router.get("/")
async def home(request: Request) -> Response:
    principal = _signed_in(request)
    if principal is None:
        return RedirectResponse("/sign-in", status_code=303)
    usable = [p for p in PAGES if principal.roles & p.roles]
    return RedirectResponse(usable[0].path if usable else "/sign-in", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    return render(request, "sign-in.html", "sign-in", None,
                  tenant=request.query_params.get("tenant", ""),
                  token_only=bool(settings_of(request).jwt_public_key))


def _page_route(page: Page) -> None:
    async def show(request: Request) -> Response:
        principal = _signed_in(request)
        if principal is None:
            return RedirectResponse(f"/sign-in?next={page.path}", status_code=303)
        if not principal.roles & page.roles:
            return render(request, "forbidden.html", page.name, principal)
        return render(request, f"{page.name}.html", page.name, principal)

    router.add_api_route(page.path, show, methods=["GET"], response_class=HTMLResponse)


for _page in PAGES:
    _page_route(_page)


@router.get("/site/{channel_id}", response_class=HTMLResponse)
async def company_site(request: Request, channel_id: str) -> Response:
    """A demo company web site with ingest's chat widget on it (public, no sign-in)."""
    return render(request, "site.html", "site", None, channel_id=channel_id)
