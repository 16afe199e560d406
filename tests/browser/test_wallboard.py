"""The supervisor's wallboard in a real browser: queues and agents update by themselves as
contacts arrive through ingest's signed SMS webhook, the supervisor changes an agent's state and
moves a waiting contact, qa's alerts appear as raised, and today's intervals are charted."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from switchboard.common.testing import Platform, wait_until
from switchboard.ingest.signatures import sign_generic

Api = Callable[[str], httpx.Client]
SendSms = Callable[[str, str], None]
LIVE_TIMEOUT = 20_000  # ms: ingest → profile → routing, then the next two-second snapshot


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def created_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    answer: list[dict[str, Any]] = response.json()
    return answer


@pytest.fixture
def send_sms(api: Api, platform: Platform) -> SendSms:
    """A customer texting the tenant's hotline: a gateway posts the signed webhook to ingest."""
    secret = f"secret-{uuid.uuid4().hex}"
    channel = created(api("ingest").post("/v1/channels", json={
        "kind": "sms", "provider": "generic", "address": "+8610086", "name": "Hotline",
        "signing_secret": secret,
    }))
    url = f"{platform.url('ingest')}/v1/webhooks/sms/generic/{channel['id']}"

    def send(sender: str, text: str) -> None:
        body = json.dumps({"message_id": str(uuid.uuid4()), "from": sender, "to": "+8610086",
                           "text": text}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Signature-Timestamp": timestamp,
                   "X-Signature": sign_generic(secret, timestamp, body)}
        assert httpx.post(url, content=body, headers=headers, timeout=30).status_code == 200

    return send


def sms_queue(api: Api, name: str, *, position: int | None = None) -> str:
    """A queue for SMS; with `position`, a rule sends every SMS to it."""
    queue = created(api("routing").post("/v1/queues", json={"name": name, "channels": ["sms"]}))
    if position is not None:
        created(api("routing").post("/v1/rules", json={
            "name": f"sms to {name}", "position": position, "conditions": {"channels": ["sms"]},
            "queue_id": queue["id"]}))
    return str(queue["id"])


def add_agent(api: Api, agent_id: str, name: str) -> None:
    created(api("routing").post("/v1/agents", json={"id": agent_id, "name": name, "capacity": {"sms": 1}}))


def as_agent(platform: Platform, tenant: str, agent_id: str) -> httpx.Client:
    client = platform.client("routing")
    client.headers["Authorization"] = f"Bearer {platform.token(tenant, 'agent', subject=agent_id)}"
    return client


def open_wallboard(new_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str,
                   locale: str = "en-GB") -> Page:
    page = new_page(locale=locale)
    sign_in(page, tenant, "supervisor", "/wallboard")
    expect(page.get_by_test_id("live-status")).to_have_attribute("data-state", "live")
    page.evaluate("window.sameDocument = true")  # gone if the page ever reloads
    return page


def queue_row(page: Page, queue_id: str) -> Locator:
    return page.locator(f"[data-testid=queue-row][data-queue-id='{queue_id}']")


def agent_row(page: Page, agent_id: str) -> Locator:
    return page.locator(f"[data-testid=agent-row][data-agent-id='{agent_id}']")


def offer_for(agent: httpx.Client, agent_id: str) -> dict[str, Any]:
    offers: list[dict[str, Any]] = []

    def offered() -> bool:
        offers[:] = [t for t in agent.get(f"/v1/agents/{agent_id}/tasks").json() if t["status"] == "offered"]
        return bool(offers)

    wait_until(offered, 20, f"an offer to {agent_id}")
    return offers[0]


def test_queues_and_agents_change_on_the_wallboard_as_contacts_arrive_and_are_answered(
        new_page: Callable[..., Page], sign_in: Callable[..., None], api: Api, platform: Platform,
        tenant: str, send_sms: SendSms) -> None:
    billing = sms_queue(api, "billing", position=0)
    add_agent(api, "agent-1", "Ann Lee")
    page = open_wallboard(new_page, sign_in, tenant)
    expect(queue_row(page, billing).get_by_test_id("waiting")).to_have_text("0")
    expect(page.get_by_test_id("agents-logged_out").locator(".value")).to_have_text("1")
    expect(page.get_by_test_id("waiting-tasks")).to_contain_text("Nobody is waiting")

    send_sms("+8613800138001", "My bill is wrong")
    expect(queue_row(page, billing).get_by_test_id("waiting")).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(page.get_by_test_id("total-waiting").locator(".value")).to_have_text("1")
    expect(page.get_by_test_id("task-row")).to_contain_text("billing")

    ann = as_agent(platform, tenant, "agent-1")
    created(ann.post("/v1/agents/agent-1/sign-in", json={"state": "available"}))
    offer = offer_for(ann, "agent-1")
    created(ann.post(f"/v1/tasks/{offer['id']}/accept"))

    expect(queue_row(page, billing).get_by_test_id("waiting")).to_have_text("0", timeout=LIVE_TIMEOUT)
    expect(page.get_by_test_id("agents-busy").locator(".value")).to_have_text("1")
    expect(page.get_by_test_id("agents-logged_out").locator(".value")).to_have_text("0")
    expect(agent_row(page, "agent-1").get_by_test_id("agent-state")).to_have_text("Busy")
    expect(agent_row(page, "agent-1").get_by_test_id("agent-contact")).to_contain_text("SMS handling")
    expect(page.get_by_test_id("waiting-tasks")).to_contain_text("Nobody is waiting")
    live = created(api("routing").get("/v1/stats/live"))
    assert [(q["waiting"], q["answered"]) for q in live["queues"]] == [(0, 1)]
    assert page.evaluate("window.sameDocument") is True
    ann.close()


def test_a_supervisor_sets_an_agent_not_ready_then_signs_them_out_from_the_wallboard(
        new_page: Callable[..., Page], sign_in: Callable[..., None], api: Api, platform: Platform,
        tenant: str) -> None:
    add_agent(api, "agent-2", "Bo Chen")
    with as_agent(platform, tenant, "agent-2") as bo:
        created(bo.post("/v1/agents/agent-2/sign-in", json={"state": "available"}))
    page = open_wallboard(new_page, sign_in, tenant)
    row = agent_row(page, "agent-2")
    expect(row.get_by_test_id("agent-state")).to_have_text("Available")

    row.get_by_test_id("change-state").click()
    dialog = page.locator("#state-dialog")
    expect(dialog.locator("select[name=state]")).to_have_value("not_ready")
    dialog.locator("button[type=submit]").click()  # no reason chosen: routing's own message
    expect(dialog.locator("label:has(select[name=reason]) + .field-error")).to_contain_text(
        "not_ready needs a reason")
    expect(dialog).to_be_visible()

    dialog.locator("select[name=reason]").select_option("lunch")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(row.get_by_test_id("agent-state")).to_have_text("Not ready · Lunch")
    expect(page.get_by_test_id("agents-not_ready").locator(".value")).to_have_text("1")
    agent = created(api("routing").get("/v1/agents/agent-2"))
    assert (agent["state"], agent["reason"]) == ("not_ready", "lunch")

    row.get_by_test_id("change-state").click()
    dialog.locator("select[name=state]").select_option("logged_out")
    expect(dialog.locator("select[name=reason]")).to_be_disabled()
    dialog.locator("button[type=submit]").click()
    expect(row.get_by_test_id("agent-state")).to_have_text("Signed out")
    assert created(api("routing").get("/v1/agents/agent-2"))["state"] == "logged_out"


def test_a_supervisor_moves_a_waiting_contact_to_another_queue(
        new_page: Callable[..., Page], sign_in: Callable[..., None], api: Api, tenant: str,
        send_sms: SendSms) -> None:
    billing = sms_queue(api, "billing", position=0)
    sales = sms_queue(api, "sales")
    page = open_wallboard(new_page, sign_in, tenant)
    send_sms("+8613800138002", "I want a bigger plan")
    task_row = page.get_by_test_id("task-row")
    expect(task_row.get_by_test_id("task-queue")).to_have_text("billing", timeout=LIVE_TIMEOUT)

    task_row.get_by_test_id("move-task").click()
    dialog = page.locator("#move-dialog")
    expect(dialog.locator("select[name=queue_id] option")).to_have_text(["sales"])
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()

    expect(task_row.get_by_test_id("task-queue")).to_have_text("sales")
    expect(queue_row(page, sales).get_by_test_id("waiting")).to_have_text("1", timeout=LIVE_TIMEOUT)
    expect(queue_row(page, billing).get_by_test_id("waiting")).to_have_text("0")
    [task] = created_list(api("routing").get("/v1/tasks"))
    assert (task["queue_id"], task["status"]) == (sales, "queued")


def test_a_qa_alert_appears_on_the_wallboard_as_it_is_raised_in_chinese(
        new_page: Callable[..., Page], sign_in: Callable[..., None], api: Api, tenant: str,
        send_sms: SendSms) -> None:
    sms_queue(api, "billing", position=0)
    page = open_wallboard(new_page, sign_in, tenant, locale="zh-CN")
    expect(page.get_by_test_id("alert-count")).to_have_text("0")

    send_sms("+8613800138003", "我的卡号是 4111 1111 1111 1111，为什么扣了两次费？")
    alert = page.get_by_test_id("alert")
    expect(alert).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(alert).to_have_attribute("data-kind", "sensitive_data")
    expect(alert).to_contain_text("敏感信息")
    expect(alert).to_contain_text("严重")
    expect(page.get_by_test_id("alert-count")).to_have_text("1")
    expect(page.locator("main")).not_to_contain_text("4111 1111")
    [raised] = created_list(api("qa").get("/v1/alerts"))
    assert (raised["kind"], raised["severity"]) == ("sensitive_data", "critical")
    assert page.evaluate("window.sameDocument") is True


def test_the_interval_chart_shows_today_s_offered_and_answered_contacts(
        new_page: Callable[..., Page], sign_in: Callable[..., None], api: Api, platform: Platform,
        tenant: str, send_sms: SendSms) -> None:
    sms_queue(api, "billing", position=0)
    add_agent(api, "agent-3", "Cai Wen")
    page = open_wallboard(new_page, sign_in, tenant)
    send_sms("+8613800138004", "Roaming charges?")
    send_sms("+8613800138005", "Cancel my line")
    with as_agent(platform, tenant, "agent-3") as cai:
        created(cai.post("/v1/agents/agent-3/sign-in", json={"state": "available"}))
        created(cai.post(f"/v1/tasks/{offer_for(cai, 'agent-3')['id']}/accept"))

    bars = page.get_by_test_id("chart-volume").locator("rect > title")
    expect(bars.filter(has_text=re.compile(r"^Offered \d\d:\d\d: 2$"))).to_have_count(1, timeout=LIVE_TIMEOUT)
    expect(bars.filter(has_text=re.compile(r"^Answered \d\d:\d\d: 1$"))).to_have_count(1)
    level = page.get_by_test_id("chart-service-level").locator("rect > title")
    expect(level.filter(has_text=re.compile(r"^Service level \d\d:\d\d: 100$"))).to_have_count(1)
    rows = created_list(api("routing").get("/v1/stats/intervals"))
    assert (sum(r["offered"] for r in rows), sum(r["answered"] for r in rows)) == (2, 1)
