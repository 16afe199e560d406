"""The campaigns page in a real browser: an SMS blast created, listed from a CSV file, started and
paused through the page, its messages really sent by ingest to an SMS gateway at the wire and its
funnel moving on screen; the service's own errors next to the fields; the funnel and the results
CSV equal to campaign's API; the page in Chinese for a supervisor. Only the SMS gateway is fake."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import LocatorAssertions, Page, expect

from switchboard.common.testing import Platform, wait_until
from switchboard.ingest.signatures import sign_generic, verify_generic

SECRET = "gateway-secret-" + "0" * 16
LI, WANG, ZHAO = "+8613800138001", "+8613900139002", "+8613700137003"
SHOTS = Path("/tmp/console-campaigns")
Api = Callable[[str], httpx.Client]


class SmsGateway:
    """An SMS provider's send API: signed JSON in, its own message id out."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                verify_generic(SECRET, self.headers["X-Signature-Timestamp"], self.headers["X-Signature"],
                               raw, window_seconds=60)
                message = {**json.loads(raw), "gateway_id": "gw-" + uuid.uuid4().hex}
                gateway.sent.append(message)
                data = json.dumps({"message_id": message["gateway_id"]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receipt(self, ingest_url: str, channel_id: str, to: str, status: str) -> None:
        gateway_id = next(m["gateway_id"] for m in self.sent if m["to"] == to)
        body = json.dumps({"message_id": gateway_id, "status": status}).encode()
        stamp = str(int(time.time()))
        answer = httpx.post(f"{ingest_url}/v1/webhooks/sms/generic/{channel_id}/status", content=body,
                            headers={"Content-Type": "application/json", "X-Signature-Timestamp": stamp,
                                     "X-Signature": sign_generic(SECRET, stamp, body)}, timeout=30)
        assert answer.status_code == 204, answer.text


@pytest.fixture
def gateway(api: Api) -> Iterator[tuple[SmsGateway, str]]:
    """The gateway, and the tenant's SMS channel in ingest that sends through it."""
    fake = SmsGateway()
    channel = api("ingest").post("/v1/channels", json={
        "kind": "sms", "provider": "generic", "address": "10086", "name": "CN gateway",
        "signing_secret": SECRET, "credentials": {"send_url": f"{fake.url}/send"},
    })
    assert channel.status_code == 201, channel.text
    yield fake, channel.json()["id"]
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def open_page(new_page: Callable[..., Page]) -> Iterator[Callable[..., Page]]:
    """new_page, and the test fails if the page's script threw anything uncaught."""
    thrown: list[str] = []

    def opened(locale: str = "en-GB") -> Page:
        page = new_page(locale=locale)
        page.on("pageerror", lambda error: thrown.append(str(error)))
        return page

    yield opened
    assert thrown == []


def _zone_at(local_hour: int) -> str:
    """A fixed-offset zone where it is now `local_hour` o'clock (Etc/GMT signs are inverted)."""
    offset = (local_hour - datetime.now(UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}"


def _open(page: Page, sign_in: Callable[..., None], tenant: str, user: str = "admin") -> None:
    sign_in(page, tenant, user, "/admin/campaigns")
    page.wait_for_url("**/admin/campaigns")


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def _tile(page: Page, testid: str) -> LocatorAssertions:
    return expect(page.locator(f"[data-testid={testid}] .big"))


def test_an_sms_blast_is_created_listed_started_and_paused_through_the_page(
        open_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str, api: Api,
        platform: Platform, gateway: tuple[SmsGateway, str], tmp_path: Path) -> None:
    sms, channel_id = gateway
    page = open_page()
    _open(page, sign_in, tenant)
    page.get_by_test_id("new-campaign").click()
    form = page.get_by_test_id("create-form")
    form.locator("[name=name]").fill("Spring offer")
    expect(form.locator("[name=kind]")).to_have_value("sms_blast")
    form.locator("[name=message_template]").fill("Hi $name, 20% off this week")
    form.locator("[name='schedule.window.start']").fill("10:00")
    form.locator("[name='schedule.window.end']").fill("16:00")
    form.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("campaign-name")).to_have_text("Spring offer")
    expect(page.get_by_test_id("campaign-status")).to_have_text("Draft")
    campaign = api("campaign")
    [created] = campaign.get("/v1/campaigns").json()
    assert created["kind"] == "sms_blast" and created["status"] == "draft"
    assert created["schedule"]["window"] == {"start": "10:00:00", "end": "16:00:00"}

    # Li and Wang live where it is now 13:00, inside 10-16; Zhao where it is 01:00, so Zhao waits
    # and the blast keeps running; line 5 is not a phone number.
    inside, outside = _zone_at(13), _zone_at(1)
    listed = tmp_path / "spring.csv"
    listed.write_text(f"phone,name,time_zone\n{LI},Li,{inside}\n{WANG},Wang,{inside}\n"
                      f"{ZHAO},Zhao,{outside}\nnot-a-phone,X,{inside}\n", encoding="utf-8")
    page.get_by_test_id("list-file").set_input_files(str(listed))
    page.get_by_test_id("upload-submit").click()
    _tile(page, "list-accepted").to_have_text("3")
    _tile(page, "list-rejected").to_have_text("1")
    expect(page.locator("[data-testid=rejected-rows] tbody tr")).to_have_text(["5phone: not a valid number"])
    _tile(page, "funnel-listed").to_have_text("3")
    _shot(page, "en-draft-with-list.png")

    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Running")
    wait_until(lambda: len(sms.sent) == 2, 30, "two messages at the gateway")
    assert {m["to"]: m["text"] for m in sms.sent} == {LI: "Hi Li, 20% off this week",
                                                     WANG: "Hi Wang, 20% off this week"}
    _tile(page, "funnel-attempted").to_have_text("2")  # refreshed while it runs, no click
    expect(page.locator("[data-testid=attempts-table] tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=waiting-by] tbody tr")).to_have_text(
        ["Outside calling hours or waiting to retry1"])
    sms.receipt(platform.url("ingest"), channel_id, LI, "delivered")
    _tile(page, "funnel-connected").to_have_text("1")
    expect(page.locator("[data-testid=outcomes] tbody")).to_contain_text("Delivered")
    _shot(page, "en-running.png")

    page.get_by_test_id("pause").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Paused")
    expect(page.get_by_test_id("start")).to_have_text("Resume")
    state = campaign.get(f"/v1/campaigns/{created['id']}").json()
    assert state["status"] == "paused"
    results = campaign.get(f"/v1/campaigns/{created['id']}/results").json()
    assert results["funnel"] == {"listed": 3, "suppressed": 0, "attempted": 2, "connected": 1, "converted": 0}
    assert results["by_status"] == {"done": 2, "pending": 1}

    # a paused campaign's hours can change: the service's refusal at the field, then the change
    page.get_by_test_id("edit").click()
    form.locator("[name='schedule.window.start']").fill("18:00")
    expect(form.locator("[name=kind]")).to_be_disabled()
    form.get_by_test_id("create-submit").click()
    expect(form.locator("label:has([name='schedule.window.start']) + .field-error")).to_have_text(
        "start must be before end")
    form.locator("[name='schedule.window.start']").fill("10:00")
    form.locator("[name='schedule.window.end']").fill("17:00")
    form.get_by_test_id("create-submit").click()
    expect(page.locator("#campaign-facts")).to_contain_text("10:00–17:00")
    changed = campaign.get(f"/v1/campaigns/{created['id']}").json()
    assert changed["schedule"]["window"] == {"start": "10:00:00", "end": "17:00:00"}
    assert changed["message_template"] == "Hi $name, 20% off this week" and changed["status"] == "paused"


def test_bad_input_shows_the_service_s_message_next_to_the_field_and_creates_nothing(
        open_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str, api: Api) -> None:
    page = open_page()
    _open(page, sign_in, tenant)
    page.get_by_test_id("new-campaign").click()
    form = page.get_by_test_id("create-form")
    form.locator("[name='schedule.holidays']").fill("2026-13-45")
    form.get_by_test_id("create-submit").click()
    expect(form.locator("label:has([name=name]) + .field-error")).to_have_text("Field required")
    expect(form.locator("label:has([name='schedule.holidays']) + .field-error")).to_contain_text("date")

    form.locator("[name=name]").fill("Night owls")
    form.locator("[name='schedule.holidays']").fill("")
    form.locator("[name='schedule.window.start']").fill("21:00")
    form.locator("[name='schedule.window.end']").fill("09:00")
    form.get_by_test_id("create-submit").click()
    expect(form.locator("label:has([name='schedule.window.start']) + .field-error")).to_have_text(
        "start must be before end")
    expect(form.locator("label:has([name=message_template]) + .field-error")).to_have_text(
        "required to send a message")
    expect(form.locator("label:has([name=name]) + .field-error")).to_have_count(0)
    _shot(page, "en-bad-input.png")
    assert api("campaign").get("/v1/campaigns").json() == []

    # the typed message survives a reload (a draft), and an unknown zone is named at its field
    form.locator("[name=message_template]").fill("Hello $name")
    page.reload()
    page.get_by_test_id("new-campaign").click()
    expect(form.locator("[name=message_template]")).to_have_value("Hello $name")
    form.locator("[name=name]").fill("Night owls")
    form.locator("[name=default_time_zone]").fill("Mars/Olympus")
    form.get_by_test_id("create-submit").click()
    expect(form.locator("label:has([name=default_time_zone]) + .field-error")).to_have_text(
        "unknown time zone 'Mars/Olympus'")
    assert api("campaign").get("/v1/campaigns").json() == []


def _masked(number: str) -> str:
    return f"{number[:3]}****{number[-2:]}"


def _api_blast(campaign: httpx.Client, sms: SmsGateway, ingest_url: str, channel_id: str) -> str:
    """A blast made and run through the API: 3 sent, 2 delivered, 1 failed, one sale, one callback."""
    made = campaign.post("/v1/campaigns", json={
        "name": "Autumn", "kind": "sms_blast", "message_template": "Hi $name",
        "schedule": {"window": {"start": "00:00", "end": "00:00"}},
    }).json()
    cid = made["id"]
    listed = campaign.post(f"/v1/campaigns/{cid}/lists",
                           content=f"phone,name\n{LI},Li\n{WANG},Wang\n{ZHAO},Zhao\n".encode())
    assert listed.status_code == 201, listed.text
    assert campaign.post(f"/v1/campaigns/{cid}/start").status_code == 200
    wait_until(lambda: len(sms.sent) == 3, 30, "three messages at the gateway")
    for to, status in ((LI, "delivered"), (WANG, "failed"), (ZHAO, "delivered")):
        sms.receipt(ingest_url, channel_id, to, status)
    wait_until(lambda: campaign.get(f"/v1/campaigns/{cid}/results").json()["outcomes"]
               == {"delivered": 2, "failed": 1}, 30, "the receipts in campaign")
    masked = {c["id"]: c["address_masked"] for c in campaign.get(f"/v1/campaigns/{cid}/contacts").json()}
    attempts = campaign.get(f"/v1/campaigns/{cid}/attempts").json()
    attempt_to = {masked[a["contact_id"]]: a["id"] for a in attempts}
    sale = campaign.post(f"/v1/attempts/{attempt_to[_masked(LI)]}/disposition", json={"code": "sale"})
    assert sale.status_code == 200, sale.text
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    callback = campaign.post(f"/v1/attempts/{attempt_to[_masked(ZHAO)]}/disposition",
                             json={"code": "callback", "callback_at": later})
    assert callback.status_code == 200, callback.text
    return cid


def test_the_funnel_and_the_results_csv_are_the_api_s_numbers(
        open_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str, api: Api,
        platform: Platform, gateway: tuple[SmsGateway, str]) -> None:
    sms, channel_id = gateway
    campaign = api("campaign")
    cid = _api_blast(campaign, sms, platform.url("ingest"), channel_id)
    results = campaign.get(f"/v1/campaigns/{cid}/results").json()
    assert results["funnel"] == {"listed": 3, "suppressed": 0, "attempted": 3, "connected": 2, "converted": 1}

    page = open_page()
    _open(page, sign_in, tenant)
    page.goto("/admin/campaigns#no-such-campaign")
    expect(page.locator("#nothing-selected")).to_have_text("no campaign no-such-campaign")
    page.goto(f"/admin/campaigns#{cid}")
    for key, value in results["funnel"].items():
        _tile(page, f"funnel-{key}").to_have_text(str(value))
    bars = page.locator("[data-testid=funnel-chart] rect title")
    expect(bars).to_have_text([f"Autumn {label}: {results['funnel'][key]}" for key, label in (
        ("listed", "Listed"), ("suppressed", "Suppressed"), ("attempted", "Attempted"),
        ("connected", "Reached"), ("converted", "Converted"))])
    expect(page.locator("[data-testid=outcomes] tbody tr")).to_have_text(["Delivered2", "Failed1"])
    expect(page.locator("[data-testid=attempts-table] tbody tr")).to_have_count(3)
    expect(page.locator("[data-testid=waiting-by] tbody")).to_contain_text("Callback promised")

    with page.expect_download() as download:
        page.get_by_test_id("download-results").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["group", "metric", "value"]
    exported = {(group, metric): int(value) for group, metric, value in rows[1:]}
    assert exported == {
        **{("funnel", k): v for k, v in results["funnel"].items()},
        **{("status", k): v for k, v in results["by_status"].items()},
        **{("outcome", k): v for k, v in results["outcomes"].items()},
        **{("suppressed_by", k): v for k, v in results["suppressed_by"].items()},
    }

    # the callback Zhao was promised is owed; marking it made takes it off the list
    owed = page.locator("[data-testid=callbacks-table] tbody tr")
    expect(owed).to_have_count(1)
    expect(owed).to_contain_text("Promised by an agent")
    expect(owed).to_contain_text("Autumn")
    _shot(page, "en-results.png")
    owed.get_by_test_id("callback-done").click()
    expect(page.locator("[data-testid=callbacks-table] tbody")).to_have_text("Nothing yet")
    assert [c["status"] for c in campaign.get("/v1/callbacks", params={"status": "done"}).json()] == ["done"]


def test_a_supervisor_reads_the_page_in_chinese(
        open_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str, api: Api) -> None:
    campaign = api("campaign")
    made = campaign.post("/v1/campaigns", json={
        "name": "春季回访", "kind": "survey", "survey_kind": "csat", "purpose": "service",
        "message_template": "您好 $name，请为本次服务打分（1-5）",
    }).json()
    page = open_page(locale="zh-CN")
    _open(page, sign_in, tenant, "supervisor")
    expect(page.locator("main h1")).to_have_text("外呼活动")
    expect(page.get_by_test_id("new-campaign")).to_have_text("新建活动")
    row = page.locator("[data-testid=campaigns-table] tbody tr")
    expect(row.locator("td")).to_have_text(["春季回访", "满意度调查（CSAT/NPS）", "草稿", re.compile(r"\d")])
    row.get_by_test_id("campaign-link").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("草稿")
    expect(page.locator("[data-testid=funnel-listed] .label")).to_have_text("名单总数")
    expect(page.get_by_test_id("start")).to_have_text("启动")
    page.get_by_test_id("start").click()  # an empty list: the service says why, on the page
    expect(page.get_by_test_id("action-error")).to_contain_text("nothing to contact: the list is empty")
    segment = page.locator("#segment-form")
    segment.get_by_test_id("segment-submit").click()
    expect(segment.locator("label:has([name=segment]) + .field-error")).to_contain_text(
        "at least 1 character")
    segment.locator("[name=segment]").fill("vip")
    segment.get_by_test_id("segment-submit").click()  # a segment list has no $name to fill the message
    expect(segment.locator(".form-error")).to_contain_text("not a column of the list")
    expect(segment.locator(".field-error")).to_have_count(0)
    _shot(page, "zh-campaign.png")

    page.get_by_test_id("new-campaign").click()
    form = page.get_by_test_id("create-form")
    expect(form.locator("[name=kind] option:checked")).to_have_text("短信群发")
    expect(form.locator("label:has([name='schedule.window.start'])")).to_contain_text("允许呼叫时段")
    form.locator("[name=kind]").select_option("journey")
    expect(form.locator("label:has([name=journey_trigger])")).to_be_visible()
    form.locator("[name=name]").fill("投诉关怀")
    form.locator("[name=message_template]").fill("您好，我们已收到您的反馈")
    form.get_by_test_id("create-submit").click()
    expect(form.locator("label:has([name=journey_trigger]) + .field-error")).to_contain_text("required")
    _shot(page, "zh-create.png")
    assert [c["name"] for c in campaign.get("/v1/campaigns").json()] == [made["name"]]


def test_a_voice_campaign_shows_its_pacing(
        open_page: Callable[..., Page], sign_in: Callable[..., None], tenant: str, api: Api) -> None:
    made = api("campaign").post("/v1/campaigns", json={"name": "Renewals", "kind": "predictive"})
    assert made.status_code == 201, made.text
    pacing = api("campaign").get(f"/v1/campaigns/{made.json()['id']}/pacing").json()
    page = open_page()
    _open(page, sign_in, tenant)
    page.get_by_test_id("campaign-link").click()
    expect(page.locator("#pacing-card")).to_be_visible()
    _tile(page, "pacing-free").to_have_text(str(pacing["free_agents"]))
    _tile(page, "pacing-in-flight").to_have_text(str(pacing["calls_in_flight"]))
    expect(page.locator("[data-testid=pacing-abandon] .badge")).to_have_text("target 3%")
    assert pacing["abandon_target"] == 0.03
