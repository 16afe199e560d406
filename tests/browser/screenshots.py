"""The README's screenshots: the platform with demo traffic, photographed in Debian's chromium.

    .venv/bin/python tests/browser/screenshots.py [--out docs/screenshots] [--seconds 40]

Starts a private nats-server, the five services and the console (as the tests
do), runs the demo simulator against them, and photographs the main screens
as `admin` and `agent-1` of tenant `demo` while the traffic flows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from switchboard.common.testing import Platform, TestDatabases

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "profile", "routing", "campaign", "qa")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.fill("input[name=tenant]", "demo")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "switchboard")
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_url(lambda url: "/sign-in" not in url)


def shoot(page: Page, out: Path, name: str, path: str, settle: float = 3.0) -> None:
    page.goto(path)
    time.sleep(settle)  # live pages never go network-idle; give their first updates time
    page.screenshot(path=str(out / f"{name}.png"))
    print(f"  {name}.png  {path}", flush=True)


def chat_channel(platform: Platform) -> str:
    with platform.client("ingest", "demo", "admin") as ingest:
        return next(c["id"] for c in ingest.get("/v1/channels").json() if c["kind"] == "chat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--seconds", type=float, default=40, help="demo traffic before the first photograph")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as workdir:
        platform = Platform(Path(workdir), TestDatabases(Path(workdir) / "db"))
        try:
            platform.start(SERVICES)
            console = platform.start_console()
            env = {**os.environ, **{f"SB_{name.upper()}_URL": platform.url(name) for name in SERVICES}}
            demo = subprocess.Popen([sys.executable, "-m", "switchboard.console.demo", "--tenant", "demo",
                                     "--rate", "90", "--seed", "7", "--duration", str(args.seconds + 120)],
                                    env=env, stdout=subprocess.DEVNULL)
            try:
                time.sleep(args.seconds)
                photograph(platform, console.url, args.out)
            finally:
                demo.terminate()
                demo.wait(60)
        finally:
            platform.stop()


def photograph(platform: Platform, console_url: str, out: Path) -> None:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        admin = browser.new_context(base_url=console_url, viewport={"width": 1440, "height": 900}).new_page()
        sign_in(admin, "admin")
        shoot(admin, out, "wallboard", "/wallboard?lang=en", settle=5)
        shoot(admin, out, "wallboard-zh", "/wallboard?lang=zh", settle=5)
        shoot(admin, out, "routing-admin", "/admin/routing?lang=en#queues")
        shoot(admin, out, "campaigns", "/admin/campaigns?lang=en")
        first = admin.get_by_test_id("campaign-list").locator("a, button").first
        if first.count():
            first.click()
            time.sleep(3)
            admin.screenshot(path=str(out / "campaigns.png"))
        shoot(admin, out, "qa", "/qa?lang=en#/contacts")
        shoot(admin, out, "reports", "/reports?lang=en", settle=5)

        agent = browser.new_context(base_url=console_url, viewport={"width": 1440, "height": 900}).new_page()
        sign_in(agent, "agent-1")
        agent.goto("/agent?lang=en")
        expect(agent.get_by_test_id("agent-state")).to_have_attribute("data-state", "logged_out")
        agent.get_by_test_id("state-submit").click()
        expect(agent.get_by_test_id("agent-state")).not_to_have_attribute("data-state", "logged_out")
        visitor = browser.new_context(viewport={"width": 1200, "height": 800}).new_page()
        visitor.goto(f"{console_url}/site/{chat_channel(platform)}?lang=en")
        visitor.locator(".sbw-btn").click()
        time.sleep(2)
        visitor.locator(".sbw-form input").fill("Hello, my bill shows a roaming charge I never made")
        visitor.locator(".sbw-form input").press("Enter")
        offer = agent.get_by_test_id("offer").first
        try:
            offer.wait_for(timeout=120_000)
        except Exception:
            agent.screenshot(path=str(out / "agent-no-offer.png"))
            raise
        time.sleep(1)
        agent.screenshot(path=str(out / "agent-offer.png"))
        print("  agent-offer.png", flush=True)
        offer.get_by_test_id("offer-accept").click()
        time.sleep(3)
        reply = agent.get_by_test_id("reply-text").first
        if reply.is_visible():  # the contact taken may be a call, with nothing to type
            reply.fill("I'm sorry about that, let me check it for you right away.")
            agent.get_by_test_id("reply-send").first.click()
            time.sleep(3)
        agent.screenshot(path=str(out / "agent.png"))
        print("  agent.png", flush=True)
        time.sleep(2)
        visitor.screenshot(path=str(out / "site-chat.png"))
        print("  site-chat.png", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
