"""Business hours, a full queue and the maximum wait: where a contact goes when a queue cannot take it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing_scenarios import identified, message

from switchboard.routing.engine.hours import is_open

SHANGHAI_WEEKDAYS = {"weekly": {"mon": [("09:00", "18:00")], "sat": [("10:00", "12:00")]},
                     "time_zone": "Asia/Shanghai", "holidays": ["2026-10-01"]}


def test_hours_are_read_in_the_queues_time_zone_and_holidays_close_all_day() -> None:
    monday_10_in_shanghai = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert is_open(SHANGHAI_WEEKDAYS, monday_10_in_shanghai)
    assert not is_open(SHANGHAI_WEEKDAYS, monday_10_in_shanghai + timedelta(hours=8)), "18:00 is closed"
    assert not is_open(SHANGHAI_WEEKDAYS, datetime(2026, 11, 24, 2, 0, tzinfo=UTC)), "no Tuesday window"
    assert not is_open(SHANGHAI_WEEKDAYS, datetime(2026, 10, 1, 3, 0, tzinfo=UTC)), "a holiday"
    assert is_open(None, monday_10_in_shanghai) and is_open({"holidays": []}, monday_10_in_shanghai)


async def contact(routing, conversation: str) -> None:
    await routing.send(message(conversation, text="hi"), subject=conversation)
    await routing.send(identified(conversation, customer=f"k-{conversation}"), subject=conversation)


async def test_bad_hours_are_refused(api) -> None:
    for hours, fragment in (({"time_zone": "Mars/Olympus"}, "unknown time zone"),
                            ({"weekly": {"mon": [["18:00", "09:00"]]}}, "must end after it starts"),
                            ({"weekly": {"mon": [["25:00", "26:00"]]}}, "pattern")):
        response = await api.call("POST", "/v1/queues", json={"name": "q", "channels": ["sms"],
                                                               "business_hours": hours})
        assert response.status_code == 422 and fragment in response.text, response.text


async def test_a_full_queue_sends_new_contacts_to_its_overflow_queue_or_refuses_them(api, routing) -> None:
    spill = await api.ok("POST", "/v1/queues", 201,
                         json={"name": "spill", "channels": ["sms"], "max_size": 1})
    main = await api.ok("POST", "/v1/queues", 201, json={
        "name": "main", "channels": ["sms"], "is_default": True, "max_size": 1,
        "escalation": {"overflow_after_seconds": 600, "overflow_queue_id": spill["id"]}})
    for conversation in ("a", "b", "c"):
        await contact(routing, conversation)
    placed = {e.conversation_id: e.queue_id for e in await routing.events("task.queued")}
    assert placed == {"a": main["id"], "b": spill["id"]}
    [refused] = await routing.events("task.abandoned")
    assert (refused.conversation_id, refused.reason, refused.queue_id) == ("c", "queue_full", main["id"])


async def test_after_hours_contacts_go_to_the_after_hours_queue(api, routing) -> None:
    night = await api.ok("POST", "/v1/queues", 201, json={"name": "night", "channels": ["sms"]})
    today = datetime.now(UTC).date().isoformat()
    await api.ok("POST", "/v1/queues", 201, json={
        "name": "day", "channels": ["sms"], "is_default": True,
        "business_hours": {"holidays": [today], "after_hours_queue_id": night["id"]}})
    await contact(routing, "a")
    [queued] = await routing.events("task.queued")
    assert queued.queue_id == night["id"]


async def test_a_task_waiting_past_the_maximum_wait_ends_unanswered(api, routing) -> None:
    await api.ok("POST", "/v1/queues", 201, json={"name": "main", "channels": ["sms"], "is_default": True,
                                                  "max_wait_seconds": 120})
    await contact(routing, "a")
    await routing.tick(datetime.now(UTC) + timedelta(seconds=100))
    assert await routing.events("task.abandoned") == []
    await routing.tick(datetime.now(UTC) + timedelta(seconds=121))
    [gave_up] = await routing.events("task.abandoned")
    assert gave_up.reason == "max_wait" and gave_up.wait_seconds >= 120
