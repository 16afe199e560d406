"""Signing in and out, roles, languages and the API proxy, in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect


def test_sign_in_shows_field_errors_then_lands_on_the_role_s_page(
        new_page: Callable[..., Page], tenant: str) -> None:
    page = new_page()
    page.goto("/agent")
    assert page.url.endswith("/sign-in?next=/agent")

    page.fill("input[name=tenant]", "Not A Tenant!")
    page.fill("input[name=username]", "")
    page.click("#sign-in-form button[type=submit]")
    expect(page.locator("label:has(input[name=tenant]) + .field-error")).to_contain_text("tenant id")
    expect(page.locator("label:has(input[name=username]) + .field-error")).to_contain_text("user name")

    page.fill("input[name=tenant]", tenant)
    page.fill("input[name=username]", "agent-1")
    page.fill("input[name=password]", "wrong")
    page.click("#sign-in-form button[type=submit]")
    expect(page.locator("label:has(input[name=password]) + .field-error")).to_contain_text("not right")

    page.fill("input[name=password]", "switchboard")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url("**/agent")
    expect(page.get_by_test_id("signed-in-as")).to_have_text(f"agent-1 · {tenant}")
    # an agent has no wallboard: it is not in the menu and the page says so
    expect(page.locator("nav [data-nav=wallboard]")).to_have_count(0)
    page.goto("/wallboard")
    expect(page.locator("main h1")).to_have_text("Not for your role")


def test_the_console_speaks_chinese(new_page: Callable[..., Page], tenant: str,
                                    sign_in: Callable[..., None]) -> None:
    page = new_page(locale="zh-CN")
    page.goto("/sign-in")
    expect(page.locator("main h1")).to_have_text("登录")
    sign_in(page, tenant, "supervisor")
    expect(page.locator("nav [data-nav=wallboard]")).to_have_text("监控大屏")
    page.get_by_test_id("switch-language").click()
    expect(page.locator("nav [data-nav=wallboard]")).to_have_text("Wallboard")
    page.reload()  # the choice is remembered
    expect(page.locator("nav [data-nav=wallboard]")).to_have_text("Wallboard")


def test_the_proxy_calls_services_as_the_signed_in_user_only(console_url: str, tenant: str) -> None:
    with httpx.Client(base_url=console_url) as browser_like:
        assert browser_like.get("/api/routing/v1/queues").status_code == 401
        signed = browser_like.post("/session", json={"tenant": tenant, "username": "admin",
                                                     "password": "switchboard"})
        assert signed.status_code == 200, signed.text
        assert signed.json()["roles"] == ["admin", "agent", "evaluator", "supervisor"]
        assert browser_like.get("/api/routing/v1/queues").json() == []
        # a change needs the console's header, which a cross-site form cannot send
        refused = browser_like.post("/api/routing/v1/skills", json={"name": "billing"})
        assert refused.status_code == 403
        made = browser_like.post("/api/routing/v1/skills", json={"name": "billing"},
                                 headers={"X-Console": "1"})
        assert made.status_code == 201, made.text
        # the service's own problem+json comes through unchanged
        bad = browser_like.post("/api/routing/v1/skills", json={}, headers={"X-Console": "1"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["errors"][0]["field"] == "name"
        assert browser_like.get("/api/nowhere/v1/x").status_code == 404
        browser_like.delete("/session")
        assert browser_like.get("/api/routing/v1/skills").status_code == 401
