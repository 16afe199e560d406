"""Contacts resolved a batch at a time come out exactly as if handled one by one."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, select

from switchboard.common.bus import Bus
from switchboard.common.consumer import EventConsumer
from switchboard.common.db import create_engine, session_factory
from switchboard.common.migrations import upgrade
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.streams import BusPolicy
from switchboard.profile.consumers import build_handlers
from switchboard.profile.models import (
    Base,
    Consent,
    Conversation,
    Customer,
    DoNotContact,
    Identity,
    TimelineEntry,
    backbone,
)

from ..test_handlers import CUSTOMER, count, envelope_of, identified, received, set_region

OTHER = "+8613900139000"


@pytest.fixture(params=["aiosqlite", "one thread hop"])
def batches(request, sessions, tmp_path: Path) -> Iterator[EventConsumer]:
    """Profile's consumer with batches on the async session, and in one thread hop (SQLite)."""
    threaded = (ThreadedSqlite(f"sqlite:///{tmp_path}/profile.db", hold=sessions.kw["bind"])
                if request.param == "one thread hop" else None)
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])
    yield EventConsumer("profile", bus, sessions, backbone, build_handlers(), max_deliver=5,
                        batches_in_thread=threaded)
    if threaded is not None:
        threaded.close()


async def test_two_contacts_of_one_new_sender_in_a_batch_make_one_customer(sessions, batches) -> None:
    first, second = envelope_of(received(conversation="c1")), envelope_of(received(conversation="c2"))
    assert await batches.handle_batch([first, second]) == [True, True]
    assert await count(sessions, Customer) == 1
    assert await count(sessions, Identity) == 1
    assert await count(sessions, TimelineEntry) == 2
    assert await count(sessions, Conversation) == 2
    [(_, a), (_, b)] = await identified(sessions)
    assert a.customer_id == b.customer_id
    assert (a.new_customer, b.new_customer) == (True, False)
    assert (a.repeat.contacts_today, b.repeat.contacts_today) == (1, 2)
    assert a.repeat.last_contact_at is None and b.repeat.last_contact_at is not None
    assert b.repeat.last_unresolved is True  # c1 is open


async def test_on_sqlite_a_batch_reads_before_the_write_lock_and_commits_as_planned(
    sessions, batches, request
) -> None:
    def planned() -> float:
        return REGISTRY.get_sample_value("sb_batches_planned_total",
                                         {"service": "profile", "outcome": "committed"}) or 0.0

    before = planned()
    assert await batches.handle_batch([envelope_of(received(conversation="c1"))]) == [True]
    assert await batches.handle_batch([envelope_of(received(conversation="c2"))]) == [True]
    threaded = request.node.callspec.params["batches"] == "one thread hop"
    assert (batches.batch_writer is not None) == threaded
    assert planned() - before == (2 if threaded else 0)
    [(_, first), (_, second)] = await identified(sessions)
    assert (first.new_customer, second.new_customer) == (True, False)
    assert second.repeat.contacts_today == 2


async def test_a_batch_ends_as_the_same_contacts_handled_one_by_one(
    sessions, batches, tmp_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/one-by-one.db")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    alone = session_factory(engine)
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])
    one_by_one = EventConsumer("profile", bus, alone, backbone, build_handlers(), max_deliver=5)
    known = [envelope_of(received(OTHER, conversation="k1"))]
    batch = [envelope_of(received(sender, conversation=conversation))
             for sender, conversation in [(OTHER, "k1"), ("+86 138 0013 8000", "c1"), (OTHER, "k2"),
                                          ("+8613800138000", "c1"), ("+8613700137000", "c3")]]
    for consumer in (batches, one_by_one):
        assert await consumer.handle_batch(known) == [True]
    assert await batches.handle_batch(batch) == [True] * 5
    for envelope in batch:
        assert await one_by_one.handle(envelope) is True

    def comparable(events):  # ids differ between the databases; what was decided must not
        names = {}
        return [(names.setdefault(e.customer_id, len(names)), e.conversation_id, e.new_customer,
                 e.repeat.contacts_today, e.repeat.contacts_7d, e.repeat.last_unresolved,
                 e.repeat.last_contact_at, e.consent, e.tier, causation.causationid)
                for causation, e in events]

    assert comparable(await identified(sessions)) == comparable(await identified(alone))
    for model in (Customer, Identity, TimelineEntry, Conversation):
        assert await count(sessions, model) == await count(alone, model)
    async with sessions() as session, alone() as other:
        stamps = select(Customer.last_contact_at).order_by(Customer.last_contact_at)
        assert list(await session.scalars(stamps)) == list(await other.scalars(stamps))
    await engine.dispose()


async def test_an_unreadable_sender_fails_alone_and_the_rest_of_its_batch_is_resolved(
    sessions, batches
) -> None:
    await set_region(sessions, "acme", "")  # no default region: a national number cannot be read
    batch = [envelope_of(received(conversation="c1")),
             envelope_of(received("13800138000", conversation="c2")),
             envelope_of(received(OTHER, conversation="c3"))]
    outcomes = await batches.handle_batch(batch)
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], Exception)
    assert await count(sessions, Customer) == 2
    assert await count(sessions, backbone.inbox) == 2
    assert [e.conversation_id for _, e in await identified(sessions)] == ["c1", "c3"]


async def test_a_customer_writing_from_two_contact_points_in_one_batch_is_counted_once_each(
    sessions, batches
) -> None:
    now = datetime.now(UTC)
    async with sessions() as session:
        session.add(Customer(id="cust-1", tenant_id="acme", tier="gold", tags=[], attributes={},
                             created_at=now))
        await session.flush()
        session.add_all([
            Identity(id="i-1", tenant_id="acme", customer_id="cust-1", kind="phone",
                     value="+8613800138000", verified=True, created_at=now),
            Identity(id="i-2", tenant_id="acme", customer_id="cust-1", kind="email",
                     value="wang@example.com", verified=True, created_at=now),
        ])
        await session.commit()
    batch = [envelope_of(received(conversation="c1")),
             envelope_of(received("Wang@Example.com", channel="email", conversation="c2"))]
    assert await batches.handle_batch(batch) == [True, True]
    [(_, by_sms), (_, by_email)] = await identified(sessions)
    assert by_sms.customer_id == by_email.customer_id == "cust-1"
    assert (by_sms.repeat.contacts_today, by_email.repeat.contacts_today) == (1, 2)
    assert by_email.consent.keys() >= {"sms:service", "email:service"}
    assert await count(sessions, Customer) == 1


async def test_a_batchs_reads_go_through_the_customers_indexes_never_the_whole_tenants(
    tmp_path: Path
) -> None:
    """SQLite plans without statistics: offered a tenant's own index beside a customer index
    that did not name the tenant, it read every timeline entry of the tenant for each batch
    (570 ms a batch at 1,000,000 customers). Every read of a batch must use a narrower index, on
    the schema the migrations build (the order they create indexes in sways SQLite's choice)."""
    url = f"sqlite+aiosqlite:///{tmp_path}/migrated.db"
    await asyncio.to_thread(upgrade, "switchboard.profile", url)  # it runs its own event loop
    sessions = session_factory(create_engine(url))
    bus = Bus("nats://127.0.0.1:1", "profile", BusPolicy(), [])
    consumer = EventConsumer("profile", bus, sessions, backbone, build_handlers(), max_deliver=5)
    senders = [OTHER, "+8613800138000", "+8613700137000", "+8613600136000"]
    known = [envelope_of(received(sender, conversation=f"k{n}")) for n, sender in enumerate(senders)]
    assert await consumer.handle_batch(known) == [True] * 4  # each sender a customer now
    engine = sessions.kw["bind"].sync_engine
    reads: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            reads.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        batch = [envelope_of(received(sender, conversation=f"c{n}")) for n, sender in enumerate(senders)]
        assert await consumer.handle_batch(batch) == [True] * 4
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any("timeline" in statement for statement, _ in reads)
    async with sessions.kw["bind"].connect() as conn:
        for statement, parameters in reads:
            plan = [row[3] for row in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                 tuple(parameters))]
            assert not [step for step in plan if "_tenant_id (tenant_id=?)" in step], (statement, plan)
    await sessions.kw["bind"].dispose()


async def test_a_batch_sees_nothing_of_another_tenants_customers_conversations_settings_or_consent(
    sessions, batches
) -> None:
    """The batch's Core statements name their tenant themselves: the session's tenant net does not
    reach a Core statement on a table, nor a read straight on SQLite's driver."""
    await set_region(sessions, "globex", "CN")
    assert await batches.handle_batch([envelope_of(received(conversation="c1"), tenant="globex")]) == [True]
    now = datetime.now(UTC)
    async with sessions() as session:
        session.add_all([
            Consent(id="g-consent", tenant_id="globex", customer_id=None, channel="sms", address=CUSTOMER,
                    purpose="marketing", granted=True, source="test", updated_at=now),
            DoNotContact(id="g-dnc", tenant_id="globex", channel="sms", address=CUSTOMER, reason="",
                         source="test", created_at=now),
        ])
        await session.commit()
    same = [envelope_of(received(conversation="c1"), tenant="acme"),
            envelope_of(received("13800138000", conversation="c2"), tenant="acme")]
    outcomes = await batches.handle_batch(same)
    assert outcomes[0] is True
    assert isinstance(outcomes[1], Exception)  # globex's region is not acme's
    (_, globex), (envelope, acme) = await identified(sessions)
    assert envelope.tenant == "acme"
    assert acme.new_customer is True and acme.customer_id != globex.customer_id
    assert (acme.repeat.contacts_today, acme.repeat.last_contact_at) == (1, None)
    assert acme.consent == globex.consent  # what any new sender gets: globex's records are not acme's
    assert await count(sessions, Conversation) == 2
