"""Tenant scoping for every ORM query.

Models that belong to a tenant inherit `TenantScoped`. A session opened for a
tenant (`session.info["tenant"]`) gets a loader criterion on every SELECT,
UPDATE and DELETE of such models, so a query that forgets its tenant filter
still cannot return another tenant's rows. Repositories filter explicitly as
well; this is the net under them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria


class TenantScoped:
    tenant_id: Mapped[str] = mapped_column(String(63), index=True)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    tenant = state.session.info.get("tenant")
    if tenant is None:
        return
    if state.is_select or state.is_update or state.is_delete:
        if state.execution_options.get("all_tenants", False):
            return
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant,
                include_aliases=True,
            )
        )


def bind_tenant(session: Any, tenant: str) -> None:
    session.info["tenant"] = tenant
