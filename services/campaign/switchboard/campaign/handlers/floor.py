"""The outbound floor as routing reports it: free agents for pacing, who took an outbound call."""

from __future__ import annotations

from switchboard.campaign.models import AgentAvailability
from switchboard.campaign.repository import CampaignRepository
from switchboard.common.consumer import EventContext
from switchboard.common.events.routing import AgentAvailabilityChanged, TaskAccepted


async def on_availability_changed(event: AgentAvailabilityChanged, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    queue = event.queue_id or ""
    row = await repo.availability(ctx.tenant, queue)
    if row is None:
        repo.add(AgentAvailability(tenant_id=ctx.tenant, queue_id=queue, available=event.available_agents,
                                   blended=event.blended_agents, at=event.at))
    elif row.at <= event.at:
        row.available, row.blended, row.at = event.available_agents, event.blended_agents, event.at


async def on_task_accepted(event: TaskAccepted, ctx: EventContext) -> None:
    repo = CampaignRepository(ctx.uow.session)
    attempt = await repo.attempt_by_conversation(ctx.tenant, event.conversation_id)
    if attempt is not None:
        attempt.agent_id = event.agent_id
    await repo.set_conversation_agent(ctx.tenant, event.conversation_id, event.agent_id)
