"""The routing administration page: skills, queues with service level and business hours,
agents, routing rules and ingest's channels, driven in a real browser as `admin`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

SHOTS = Path("/tmp/routing-admin")
Api = Callable[[str], httpx.Client]


@pytest.fixture
def admin_page(new_page: Callable[..., Page], tenant: str, sign_in: Callable[..., None]) -> Page:
    page = new_page()
    sign_in(page, tenant, "admin", "/admin/routing")
    return page


def open_tab(page: Page, tab: str) -> None:
    page.click(f"[data-tab={tab}]")
    expect(page.locator(f"[data-tab={tab}]")).to_have_attribute("aria-current", "page")


def field_error(form: Locator, name: str) -> Locator:
    """The service's message placed right after the field's label."""
    return form.locator(f"label:has([name='{name}']) + .field-error")


def by_name(client: httpx.Client, path: str, name: str) -> dict:
    found = [item for item in client.get(path).json() if item["name"] == name]
    assert len(found) == 1, found
    return found[0]


def set_window(form: Locator, day: str, index: int, start: str, end: str) -> None:
    form.locator(f"[name='business_hours.weekly.{day}.{index}.0']").fill(start)
    form.locator(f"[name='business_hours.weekly.{day}.{index}.1']").fill(end)


def test_skill_queue_agent_and_rule_are_created_as_entered(admin_page: Page, api: Api) -> None:
    page, routing = admin_page, api("routing")
    open_tab(page, "skills")
    skill_form = page.get_by_test_id("skill-form")
    skill_form.locator("[name=name]").fill("billing")
    skill_form.locator("[name=description]").fill("Bills and payments")
    skill_form.locator("[type=submit]").click()
    expect(page.get_by_test_id("skills")).to_contain_text("Bills and payments")

    open_tab(page, "queues")
    form = page.get_by_test_id("queue-form")
    form.locator("[name=name]").fill("Billing")
    form.locator("[name=channels][value=chat]").check()
    form.locator("[name=channels][value=voice]").check()
    form.locator("[name=strategy]").select_option("highest_proficiency")
    form.locator("[name=sla_target]").fill("0.9")
    form.locator("[name=sla_seconds]").fill("30")
    form.locator("[name=max_wait_seconds]").fill("600")
    form.locator("[name='required_skills.billing']").fill("3")
    form.get_by_test_id("use-business-hours").check()
    form.locator("[name='business_hours.time_zone']").fill("Asia/Shanghai")
    form.get_by_test_id("add-window-sat").click()
    set_window(form, "sat", 0, "10:00", "14:00")
    form.get_by_test_id("add-holiday").click()
    form.locator("[name='business_hours.holidays.0']").fill("2026-10-01")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("queues")).to_contain_text("90% in 30 s")
    expect(page.get_by_test_id("queue-hours")).to_have_text(
        "Mon–Fri 09:00–18:00 · Sat 10:00–14:00 (Asia/Shanghai) · 1 closed dates")
    page.screenshot(path=str(SHOTS / "queues-en.png"), full_page=True)

    queue = by_name(routing, "/v1/queues", "Billing")
    assert sorted(queue["channels"]) == ["chat", "voice"]
    assert (queue["strategy"], queue["sla_target"], queue["sla_seconds"]) == ("highest_proficiency", 0.9, 30)
    assert (queue["max_wait_seconds"], queue["max_size"]) == (600, None)
    assert queue["required_skills"] == {"billing": 3}
    office = [["09:00", "18:00"]]
    assert queue["business_hours"] == {
        "time_zone": "Asia/Shanghai", "holidays": ["2026-10-01"], "after_hours_queue_id": None,
        "after_hours_action": "wait",
        "weekly": {"mon": office, "tue": office, "wed": office, "thu": office, "fri": office,
                   "sat": [["10:00", "14:00"]]}}

    open_tab(page, "agents")
    form = page.get_by_test_id("agent-form")
    form.locator("[name=id]").fill("agent-1")
    form.locator("[name=name]").fill("Li Na")
    form.locator("[name='skills.billing']").fill("7")
    form.locator("[name='capacity.chat']").fill("3")
    form.locator("[name=blended]").check()
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("agents")).to_contain_text("Li Na")
    page.screenshot(path=str(SHOTS / "agents-en.png"), full_page=True)
    agent = routing.get("/v1/agents/agent-1").json()
    assert (agent["name"], agent["skills"], agent["blended"]) == ("Li Na", {"billing": 7}, True)
    assert agent["capacity"] == {"voice": 1, "chat": 3}

    open_tab(page, "rules")
    form = page.get_by_test_id("rule-form")
    form.locator("[name=name]").fill("Invoices by chat")
    form.locator("[name=queue_id]").select_option(label="Billing")
    form.locator("[name=priority]").fill("5")
    form.locator("[name='conditions.channels'][value=chat]").check()
    form.locator("[name='conditions.keywords']").fill("invoice, refund")
    form.locator("[type=submit]").click()
    expect(page.get_by_test_id("rules")).to_contain_text("Keywords: invoice, refund")
    page.screenshot(path=str(SHOTS / "rules-en.png"), full_page=True)
    rule = by_name(routing, "/v1/rules", "Invoices by chat")
    assert (rule["queue_id"], rule["priority"], rule["position"]) == (queue["id"], 5, 10)
    assert rule["conditions"]["channels"] == ["chat"]
    assert rule["conditions"]["keywords"] == ["invoice", "refund"]


def test_the_services_refusals_show_next_to_the_field_and_nothing_is_created(
        admin_page: Page, api: Api) -> None:
    page, routing = admin_page, api("routing")
    taken = routing.post("/v1/queues", json={"name": "Sales", "channels": ["voice"]})
    assert taken.status_code == 201, taken.text
    page.reload()
    form = page.get_by_test_id("queue-form")
    form.locator("[name=name]").fill("Sales")
    form.locator("[name=channels][value=voice]").check()
    form.locator("[type=submit]").click()
    expect(form.locator(".form-error")).to_have_text("a queue named 'Sales' already exists")

    form.locator("[name=name]").fill("Complaints")
    form.locator("[name=sla_seconds]").fill("0")
    form.locator("[name=channels][value=voice]").uncheck()
    form.get_by_test_id("use-business-hours").check()
    set_window(form, "mon", 0, "18:00", "09:00")
    form.locator("[type=submit]").click()
    expect(field_error(form, "sla_seconds")).to_have_text("Input should be greater than or equal to 1")
    expect(form.locator("fieldset[name=channels] + .field-error")).to_contain_text("at least 1 item")
    expect(form.locator("fieldset[name=business_hours] + .field-error")).to_contain_text(
        "mon: each window must end after it starts")
    expect(form.locator(".form-error")).to_be_empty()
    page.screenshot(path=str(SHOTS / "queue-errors-en.png"), full_page=True)

    form.locator("[name=sla_seconds]").fill("20")
    form.locator("[name=channels][value=voice]").check()
    set_window(form, "mon", 0, "09:00", "18:00")
    form.locator("[name='business_hours.time_zone']").fill("Mars/Olympus")
    form.locator("[type=submit]").click()
    expect(form.locator("fieldset[name=business_hours] + .field-error")).to_contain_text(
        "unknown time zone 'Mars/Olympus'")
    expect(field_error(form, "sla_seconds")).to_have_count(0)
    assert [q["name"] for q in routing.get("/v1/queues").json()] == ["Sales"]

    open_tab(page, "rules")
    form = page.get_by_test_id("rule-form")
    form.locator("[name=name]").fill("Everything to sales")
    form.locator("[name=queue_id]").select_option(label="Sales")
    form.locator("[name='conditions.keywords']").fill("x" * 101)
    form.locator("[type=submit]").click()
    expect(form.locator("fieldset[name=conditions] + .field-error")).to_contain_text("at most 100 characters")

    form.locator("[name='conditions.keywords']").fill("buy")
    assert routing.delete(f"/v1/queues/{taken.json()['id']}").status_code == 204  # gone meanwhile
    form.locator("[type=submit]").click()
    expect(form.locator(".form-error")).to_have_text(f"queue {taken.json()['id']} does not exist")
    assert routing.get("/v1/rules").json() == []

    open_tab(page, "agents")
    form = page.get_by_test_id("agent-form")
    form.locator("[name=id]").fill("agent-2")
    form.locator("[name=name]").fill("Wang Fang")
    form.locator("[name='capacity.chat']").fill("99")
    form.locator("[type=submit]").click()
    expect(field_error(form, "capacity.chat")).to_have_text("Input should be less than or equal to 50")
    assert routing.get("/v1/agents").json() == []


def test_a_queue_is_edited_its_hours_changed_and_deleted(admin_page: Page, api: Api) -> None:
    page, routing = admin_page, api("routing")
    office = [["09:00", "18:00"]]
    made = routing.post("/v1/queues", json={
        "name": "Support", "channels": ["chat"], "sla_target": 0.8, "sla_seconds": 20,
        "business_hours": {"time_zone": "Europe/Paris", "weekly": {"mon": office, "fri": office},
                           "holidays": ["2026-12-25"]}})
    assert made.status_code == 201, made.text
    queue_id = made.json()["id"]
    page.reload()
    expect(page.get_by_test_id("queue-hours")).to_have_text(
        "Mon 09:00–18:00 · Fri 09:00–18:00 (Europe/Paris) · 1 closed dates")

    page.get_by_test_id("edit-queue-Support").click()
    form = page.get_by_test_id("queue-form")
    expect(form.locator("h2")).to_have_text("Edit queue Support")
    expect(form.locator("[name='business_hours.holidays.0']")).to_have_value("2026-12-25")
    form.locator("[name=name]").fill("Customer care")
    form.locator("[name=sla_target]").fill("0.95")
    form.get_by_test_id("hours-fri").get_by_role("button", name="Remove these hours").click()
    form.get_by_test_id("add-window-mon").click()
    set_window(form, "mon", 0, "08:00", "12:00")
    set_window(form, "mon", 1, "13:00", "17:30")
    form.get_by_role("button", name="Copy Monday to Tuesday–Friday").click()
    form.get_by_test_id("hours-sat").get_by_role("button", name="+ hours").click()
    set_window(form, "sat", 0, "10:00", "12:00")
    form.locator("[type=submit]").click()

    queues = page.get_by_test_id("queues")
    expect(queues).to_contain_text("Customer care")
    expect(queues).to_contain_text("95% in 20 s")
    expect(page.get_by_test_id("queue-hours")).to_have_text(
        "Mon–Fri 08:00–12:00, 13:00–17:30 · Sat 10:00–12:00 (Europe/Paris) · 1 closed dates")
    expect(page.get_by_test_id("queue-form").locator("h2")).to_have_text("New queue")
    stored = routing.get(f"/v1/queues/{queue_id}").json()
    split = [["08:00", "12:00"], ["13:00", "17:30"]]
    assert (stored["name"], stored["sla_target"]) == ("Customer care", 0.95)
    assert stored["business_hours"]["weekly"] == {
        "mon": split, "tue": split, "wed": split, "thu": split, "fri": split, "sat": [["10:00", "12:00"]]}
    assert stored["business_hours"]["holidays"] == ["2026-12-25"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("delete-queue-Customer care").click()
    expect(queues.locator("tbody")).to_have_text("Nothing yet")
    assert routing.get("/v1/queues").json() == []


def test_a_queue_a_rule_uses_is_not_deleted_and_the_page_says_why(admin_page: Page, api: Api) -> None:
    page, routing = admin_page, api("routing")
    queue = routing.post("/v1/queues", json={"name": "VIP", "channels": ["voice"]}).json()
    assert routing.post("/v1/rules", json={"name": "Gold", "position": 1, "queue_id": queue["id"],
                                           "conditions": {"tiers": ["gold"]}}).status_code == 201
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("delete-queue-VIP").click()
    expect(page.locator("section.card .form-error")).to_have_text(
        "queue 'VIP' is the target of routing rules: change them first")
    expect(page.get_by_test_id("queues")).to_contain_text("VIP")
    assert len(routing.get("/v1/queues").json()) == 1


def test_a_chat_channel_never_shows_its_secret_and_offers_the_embed_code(
        admin_page: Page, api: Api, console_url: str) -> None:
    page, ingest = admin_page, api("ingest")
    secret, token = "s3cret-signing-key-0123456789", "tok-very-private-42"
    open_tab(page, "channels")
    form = page.get_by_test_id("channel-form")
    form.locator("[name=kind]").select_option("chat")
    form.locator("[name=address]").fill("website")
    form.locator("[name=name]").fill("Company site")
    form.locator("[name=signing_secret]").fill("short")
    form.locator("[type=submit]").click()
    expect(field_error(form, "signing_secret")).to_contain_text("at least 16 characters")
    assert ingest.get("/v1/channels").json() == []

    form.locator("[name=signing_secret]").fill(secret)
    form.locator("[name=credentials]").fill(f"api_token={token}")
    form.locator("[type=submit]").click()
    channels = page.get_by_test_id("channels")
    expect(channels).to_contain_text("Company site")
    expect(channels).to_contain_text("stored")
    channel = by_name(ingest, "/v1/channels", "Company site")
    assert (channel["kind"], channel["provider"], channel["address"]) == ("chat", "webchat", "website")
    assert channel["has_credentials"] is True
    assert secret not in str(channel) and token not in str(channel)
    blank_form = page.get_by_test_id("channel-form")
    for shown in (page.content(), blank_form.locator("[name=signing_secret]").input_value(),
                  blank_form.locator("[name=credentials]").input_value()):
        assert secret not in shown and token not in shown

    channels.get_by_text("Embed code").click()
    snippet = channels.get_by_test_id("embed-snippet")
    expect(snippet).to_contain_text(f'/v1/chat/widget.js" data-channel="{channel["id"]}" async></script>')
    page.get_by_test_id("edit-channel-Company site").click()
    form = page.get_by_test_id("channel-form")
    expect(form.locator("[name=signing_secret]")).to_have_value("")
    expect(form.locator("[name=credentials]")).to_have_value("")
    page.screenshot(path=str(SHOTS / "channels-en.png"), full_page=True)

    link = channels.get_by_test_id("site-link")
    expect(link).to_have_attribute("href", f"/site/{channel['id']}")
    site = httpx.get(f"{console_url}/site/{channel['id']}")
    assert f'data-channel="{channel["id"]}"' in site.text


def test_the_page_in_chinese(new_page: Callable[..., Page], tenant: str, sign_in: Callable[..., None],
                             api: Api) -> None:
    api("routing").post("/v1/skills", json={"name": "billing"})
    page = new_page(locale="zh-CN")
    sign_in(page, tenant, "admin", "/admin/routing")
    expect(page.locator("main h1")).to_have_text("路由管理")
    expect(page.locator("[data-tab=queues]")).to_have_text("队列")
    form = page.get_by_test_id("queue-form")
    expect(form.locator("h2")).to_have_text("新建队列")
    expect(form.locator("label:has([name=sla_target])")).to_contain_text("服务水平目标")
    form.get_by_test_id("use-business-hours").check()
    expect(form.get_by_test_id("hours-mon")).to_contain_text("周一")
    expect(form.locator("fieldset[name=channels]")).to_contain_text("在线客服")
    page.screenshot(path=str(SHOTS / "queues-zh.png"), full_page=True)
    open_tab(page, "rules")
    expect(page.get_by_test_id("rule-form").locator("legend").first).to_have_text("条件（需全部满足）")
    open_tab(page, "channels")
    expect(page.get_by_test_id("channel-form").locator("label:has([name=address])")).to_contain_text("挂件标识")
    page.screenshot(path=str(SHOTS / "channels-zh.png"), full_page=True)
