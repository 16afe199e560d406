"""Profile's erasure and merge reach campaign's rows: addresses, columns and answers forgotten."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from switchboard.campaign.models import Attempt, Contact, Conversation
from switchboard.common.events.ingest import ConversationOpened
from switchboard.common.events.profile import ContactIdentified, CustomerErased, CustomerMerged

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CSV = "phone,name,customer_id\n+8613800138000,Li,cust-li\n+8613900139000,Wang,cust-wang\n"


async def test_an_erased_customer_is_forgotten_and_never_contacted_again(
    api, scheduler, sessions, deliver
) -> None:
    admin = api()
    campaign = (await admin.post("/v1/campaigns", json={"name": "x", "kind": "sms_blast",
                                                        "message_template": "Hi $name"})).json()
    await admin.post(f"/v1/campaigns/{campaign['id']}/lists", content=CSV.encode())
    await admin.post(f"/v1/campaigns/{campaign['id']}/start")
    async with sessions() as session:
        await session.execute(update(Contact).values(next_attempt_at=NOW))
        await session.commit()
    assert (await scheduler.run_once()).requested == 2
    await deliver(ConversationOpened(conversation_id="conv-1", channel="sms", channel_id="ch",
                                     customer_address="+8613800138000", opened_at=NOW))
    await deliver(ContactIdentified(customer_id="cust-li", conversation_id="conv-1", channel="sms"),
                  source="profile")

    await deliver(CustomerErased(customer_id="cust-li", at=NOW), source="profile")
    async with sessions() as session:
        contacts = {c.customer_id: c for c in await session.scalars(select(Contact))}
        addresses = set(await session.scalars(select(Attempt.address)))
        conversations = list(await session.scalars(select(Conversation)))
    erased = contacts["cust-li"]
    assert erased.address.startswith("erased:") and erased.fields == {}
    assert contacts["cust-wang"].address == "+8613900139000"
    assert "+8613800138000" not in addresses and "+8613900139000" in addresses
    assert conversations == []

    await deliver(CustomerMerged(survivor_id="cust-new", merged_id="cust-wang", at=NOW), source="profile")
    async with sessions() as session:
        assert set(await session.scalars(select(Contact.customer_id))) == {"cust-li", "cust-new"}
