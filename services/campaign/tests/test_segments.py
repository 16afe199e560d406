"""Lists built from a profile segment, from what profile's events told campaign about customers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from switchboard.campaign.models import Contact
from switchboard.common.events.ingest import ConversationOpened
from switchboard.common.events.profile import (
    ConsentChanged,
    ContactIdentified,
    CustomerErased,
    CustomerUpdated,
)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


async def known(deliver, customer: str, conversation: str, address: str, channel: str = "sms",
                segments: tuple[str, ...] = (), **profile) -> None:
    await deliver(ConversationOpened(conversation_id=conversation, channel=channel,  # type: ignore[arg-type]
                                     channel_id="ch", customer_address=address, opened_at=NOW))
    await deliver(ContactIdentified(customer_id=customer, conversation_id=conversation, channel=channel,
                                    segments=list(segments), **profile), source="profile")


async def test_a_segment_list_takes_the_customers_in_the_segment_or_tagged_with_it(
    api, sessions, deliver
) -> None:
    await known(deliver, "c1", "k1", "+8613800138000", segments=("vip",), tier="gold", language="zh")
    await known(deliver, "c2", "k2", "+8613900139000")
    await deliver(CustomerUpdated(customer_id="c2", tier="silver", tags=["vip"], at=NOW), source="profile")
    await known(deliver, "c3", "k3", "visitor-42", channel="chat", segments=("vip",))
    await known(deliver, "c4", "k4", "+8613700137000", segments=("regular",))
    await deliver(ConsentChanged(channel="sms", address="+8613900139000", granted=False, source="customer",
                                 at=NOW), source="profile")

    admin = api()
    campaign = (await admin.post("/v1/campaigns", json={"name": "VIP", "kind": "sms_blast",
                                                        "message_template": "Dear $tier member"})).json()
    made = await admin.post(f"/v1/campaigns/{campaign['id']}/lists/segment", json={"segment": "vip"})
    assert made.status_code == 201, made.text
    assert (made.json()["accepted"], made.json()["suppressed"], made.json()["name"]) == (2, 1, "vip")
    async with sessions() as session:
        rows = {c.customer_id: c for c in await session.scalars(select(Contact))}
    assert set(rows) == {"c1", "c2"}
    vip = rows["c1"]
    assert (vip.fields["tier"], vip.language, vip.zones) == ("gold", "zh", "Asia/Shanghai")
    assert rows["c2"].status == "suppressed"

    await deliver(CustomerErased(customer_id="c1", at=NOW), source="profile")
    again = await admin.post(f"/v1/campaigns/{campaign['id']}/lists/segment", json={"segment": "vip"})
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)

    needs_plan = (await admin.post("/v1/campaigns", json={"name": "x", "kind": "sms_blast",
                                                          "message_template": "Your $plan"})).json()
    refused = await admin.post(f"/v1/campaigns/{needs_plan['id']}/lists/segment", json={"segment": "vip"})
    assert refused.status_code == 422 and "'plan'" in refused.json()["detail"]


async def test_an_uploaded_contact_linked_to_a_known_customer_takes_the_profiles_zone(
    api, sessions, deliver
) -> None:
    await known(deliver, "c1", "k1", "+8613800138000", time_zone="America/New_York")
    await known(deliver, "c2", "k2", "+8613900139000", time_zone="America/New_York")
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json={"name": "x", "kind": "sms_blast",
                                                        "message_template": "hello"})).json()
    csv = ("phone,customer_id,time_zone\n+8613800138000,c1,\n+8613900139000,c2,Europe/London\n"
           "+8613700137000,,\n")
    listed = await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=csv.encode())
    assert listed.status_code == 201
    async with sessions() as session:
        zones = {c.address: c.zones for c in await session.scalars(select(Contact))}
    assert zones == {"+8613800138000": "America/New_York", "+8613900139000": "Europe/London",
                     "+8613700137000": "Asia/Shanghai"}
