"""Browser fixtures: the five services and the console as real processes, driven in Debian's chromium.

One platform serves the whole browser suite; every test works in a tenant of its
own, so tests cannot see each other's data (the platform's tenancy keeps them apart).
Chromium is the system's (/usr/bin/chromium, `make test` installs it); no browser
is ever downloaded.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from switchboard.common.testing import Platform, TestDatabases

SERVICES = ("ingest", "profile", "routing", "campaign", "qa")
CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    workdir = tmp_path_factory.mktemp("console-platform")
    running = Platform(workdir, TestDatabases(workdir / "db"))
    try:
        running.start(SERVICES, extra_env={"ROUTING_TICK_SECONDS": "0.2"})
        running.start_console()
        yield running
    finally:
        running.stop()


# Playwright's sync API keeps an event loop of its own in the main thread while it runs; it
# stops after each module, so the integration tests that follow can run their own loops.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium "
                    "(apt-get install chromium)")
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def tenant() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def console_url(platform: Platform) -> str:
    return platform.url("console")


@pytest.fixture
def api(platform: Platform, tenant: str) -> Callable[[str], httpx.Client]:
    """An admin client of a service in the test's tenant, for setting up and for checking."""
    clients: list[httpx.Client] = []

    def client(service: str) -> httpx.Client:
        made = platform.client(service, tenant, "admin", "supervisor", "agent", "evaluator")
        clients.append(made)
        return made

    yield client
    for made in clients:
        made.close()


@pytest.fixture
def new_page(browser: Browser, console_url: str) -> Iterator[Callable[..., Page]]:
    """A fresh browser (own cookies and storage) per call: several people at once."""
    contexts = []

    def open_page(locale: str = "en-GB") -> Page:
        context = browser.new_context(base_url=console_url, locale=locale,
                                      viewport={"width": 1400, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _sign_in(page: Page, tenant: str, username: str, next_path: str = "/",
             password: str = "switchboard") -> None:
    page.goto(f"/sign-in?next={next_path}")
    page.fill("input[name=tenant]", tenant)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """`sign_in(page, tenant, username, next_path="/")`: through the sign-in form, as a person would."""
    return _sign_in
