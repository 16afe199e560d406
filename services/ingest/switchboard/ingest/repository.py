"""All of ingest's SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchboard.ingest.models import Channel, Conversation, Message, OptOut, RawPayload


class IngestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def channel(self, tenant: str, channel_id: str) -> Channel | None:
        return await self.session.scalar(
            select(Channel).where(Channel.tenant_id == tenant, Channel.id == channel_id)
        )

    async def conversation(self, tenant: str, conversation_id: str) -> Conversation | None:
        return await self.session.scalar(select(Conversation).where(
            Conversation.tenant_id == tenant, Conversation.id == conversation_id
        ))

    async def channel_for_webhook(self, channel_id: str) -> Channel | None:
        """A provider's request names the channel; its tenant comes from the channel."""
        return await self.session.scalar(select(Channel).where(Channel.id == channel_id))

    async def channels(self, tenant: str) -> list[Channel]:
        rows = await self.session.scalars(
            select(Channel).where(Channel.tenant_id == tenant).order_by(Channel.created_at)
        )
        return list(rows)

    async def channel_by_address(self, tenant: str, kind: str, address: str) -> Channel | None:
        return await self.session.scalar(
            select(Channel).where(
                Channel.tenant_id == tenant, Channel.kind == kind, Channel.address == address
            )
        )

    async def message_by_provider_id(self, channel_id: str, provider_id: str) -> Message | None:
        return await self.session.scalar(
            select(Message).where(
                Message.channel_id == channel_id, Message.provider_message_id == provider_id
            )
        )

    async def open_conversation(
        self, tenant: str, channel_id: str, customer_address: str, active_since: datetime
    ) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation)
            .where(
                Conversation.tenant_id == tenant,
                Conversation.channel_id == channel_id,
                Conversation.customer_address == customer_address,
                Conversation.status == "open",
                Conversation.last_activity_at >= active_since,
            )
            .order_by(Conversation.last_activity_at.desc())
            .limit(1)
        )

    async def opt_out(self, tenant: str, channel_kind: str, address: str) -> OptOut | None:
        return await self.session.scalar(select(OptOut).where(
            OptOut.tenant_id == tenant, OptOut.channel_kind == channel_kind,
            OptOut.address == address,
        ))

    async def remove(self, row: OptOut) -> None:
        await self.session.delete(row)

    def add(self, row: Channel | Conversation | Message | RawPayload | OptOut) -> None:
        self.session.add(row)

    async def flush(self) -> None:
        await self.session.flush()
