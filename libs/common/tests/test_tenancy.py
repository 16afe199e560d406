"""A session scoped to a tenant never reads or changes another tenant's rows."""

import pytest
from sqlalchemy import delete, select, update

from switchboard.common.uow import UnitOfWork


@pytest.fixture
async def two_tenants(notes):
    async with UnitOfWork(notes.sessions, notes.backbone, "test") as uow:
        uow.session.add_all([
            notes.Note(id="a1", tenant_id="acme", text="a"),
            notes.Note(id="a2", tenant_id="acme", text="a"),
            notes.Note(id="g1", tenant_id="globex", text="g"),
        ])
        await uow.commit()
    return notes


async def ids_seen(notes, tenant: str | None, **options: bool) -> list[str]:
    async with UnitOfWork(notes.sessions, notes.backbone, "test") as uow:
        if tenant is not None:
            uow.scope_to(tenant)
        query = select(notes.Note).order_by(notes.Note.id).execution_options(**options)  # no tenant filter
        return [row.id for row in await uow.session.scalars(query)]


async def test_a_query_without_a_tenant_filter_sees_only_the_sessions_tenant(two_tenants) -> None:
    assert await ids_seen(two_tenants, "acme") == ["a1", "a2"]
    assert await ids_seen(two_tenants, "globex") == ["g1"]
    assert await ids_seen(two_tenants, "acme") == ["a1", "a2"], "not a cached criterion from before"
    assert await ids_seen(two_tenants, "initech") == []


async def test_an_unscoped_session_or_an_explicit_opt_out_sees_every_tenant(two_tenants) -> None:
    assert await ids_seen(two_tenants, None) == ["a1", "a2", "g1"]
    assert await ids_seen(two_tenants, "acme", all_tenants=True) == ["a1", "a2", "g1"]


async def test_another_tenants_row_is_not_found_by_its_primary_key(two_tenants) -> None:
    async with UnitOfWork(two_tenants.sessions, two_tenants.backbone, "test") as uow:
        uow.scope_to("acme")
        assert await uow.session.get(two_tenants.Note, "g1") is None
        assert (await uow.session.get(two_tenants.Note, "a1")).tenant_id == "acme"


async def test_unfiltered_updates_and_deletes_touch_only_the_sessions_tenant(two_tenants) -> None:
    Note = two_tenants.Note
    async with UnitOfWork(two_tenants.sessions, two_tenants.backbone, "test") as uow:
        uow.scope_to("acme")
        await uow.session.execute(update(Note).values(text="rewritten"))
        await uow.session.execute(delete(Note).where(Note.id.in_(["a2", "g1"])))
        await uow.commit()
    async with two_tenants.sessions() as session:
        rows = {row.id: row.text for row in await session.scalars(select(Note))}
    assert rows == {"a1": "rewritten", "g1": "g"}
