"""Profile's SQL for segment definitions (members are read in `segments.py`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.profile.models import Segment


class SegmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def segment(self, tenant: str, segment_id: str) -> Segment | None:
        return await self.session.scalar(
            select(Segment).where(Segment.tenant_id == tenant, Segment.id == segment_id)
        )

    async def segment_named(self, tenant: str, name: str) -> Segment | None:
        return await self.session.scalar(
            select(Segment).where(Segment.tenant_id == tenant, Segment.name == name)
        )

    async def segments(self, tenant: str) -> list[Segment]:
        rows = await self.session.scalars(
            select(Segment).where(Segment.tenant_id == tenant).order_by(Segment.name)
        )
        return list(rows)

    def add(self, segment: Segment) -> None:
        self.session.add(segment)

    async def delete(self, segment: Segment) -> None:
        await self.session.delete(segment)
