"""What routing does with the events it consumes: contacts in, profiles, hang-ups, answered dials."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.common.consumer import EventContext
from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import CallEnded, CallStarted, ConversationClosed, MessageReceived
from switchboard.common.events.profile import ContactIdentified
from switchboard.routing.config import RoutingSettings
from switchboard.routing.flow.context import Flow, open_flow
from switchboard.routing.flow.dispatch import dispatch, offer_to_reserved_agent
from switchboard.routing.flow.intake import (
    TEXT_KEPT_FOR_RULES,
    abandon,
    apply_profile,
    open_task,
    ready_to_route,
    route,
)
from switchboard.routing.flow.messages import record_message_left
from switchboard.routing.models import Task


class RoutingHandlers:
    def __init__(self, settings: RoutingSettings) -> None:
        self.settings = settings

    async def _flow(self, ctx: EventContext) -> Flow:
        return await open_flow(ctx.uow, ctx.tenant, datetime.now(UTC), self.settings)

    async def _route_if_ready(self, flow: Flow, task: Task) -> None:
        if ready_to_route(task) and await route(flow, task):
            await dispatch(flow)

    async def on_message_received(self, event: MessageReceived, ctx: EventContext) -> None:
        flow = await self._flow(ctx)
        facts = {"text": event.text[:TEXT_KEPT_FOR_RULES], "dialed_number": event.to_address}
        task, _ = await open_task(flow, event.conversation_id, event.channel, facts=facts)
        await self._route_if_ready(flow, task)

    async def on_call_started(self, event: CallStarted, ctx: EventContext) -> None:
        if event.direction != "inbound":
            return  # an outbound dial reaches routing once answered, as campaign.dial.answered
        flow = await self._flow(ctx)
        facts = {"dialed_number": event.to_address, "ivr_selection": event.ivr_selection}
        task, _ = await open_task(flow, event.conversation_id, "voice", facts=facts, call_id=event.call_id)
        await self._route_if_ready(flow, task)

    async def on_contact_identified(self, event: ContactIdentified, ctx: EventContext) -> None:
        flow = await self._flow(ctx)
        if await flow.repo.open_task_for_conversation(flow.tenant, event.conversation_id) is None \
                and await flow.repo.latest_task_for_conversation(flow.tenant, event.conversation_id):
            return  # the contact was already handled (or abandoned): a late profile changes nothing
        # The profile may overtake the contact (two streams): it then opens the task itself.
        task, _ = await open_task(flow, event.conversation_id, event.channel, has_contact=False)
        await apply_profile(flow, task, event.customer_id, event.tier, event.language, event.segments)
        if task.status == "pending":
            await self._route_if_ready(flow, task)
        else:
            await dispatch(flow)  # a new priority may change who goes first

    async def on_call_ended(self, event: CallEnded, ctx: EventContext) -> None:
        await self._customer_left(ctx, event.conversation_id, event.recording_ref)

    async def on_conversation_closed(self, event: ConversationClosed, ctx: EventContext) -> None:
        if event.reason in ("customer", "inactivity"):
            await self._customer_left(ctx, event.conversation_id)

    async def _customer_left(self, ctx: EventContext, conversation_id: str,
                             recording_ref: str | None = None) -> None:
        flow = await self._flow(ctx)
        task = await flow.repo.open_task_for_conversation(flow.tenant, conversation_id)
        if task is not None and task.message:
            record_message_left(task, recording_ref)
            return  # leaving is how a message is left: the task stays in the backlog
        if task is None or task.callback:
            return  # a scheduled callback keeps its place after the caller hangs up
        if task.status in ("pending", "queued", "offered"):
            await abandon(flow, task)
            await dispatch(flow)

    async def on_dial_answered(self, event: DialAnswered, ctx: EventContext) -> None:
        """A person answered an outbound dial: above every inbound contact, no profile wait."""
        flow = await self._flow(ctx)
        task, _ = await open_task(flow, event.conversation_id, "voice", direction="outbound",
                                  call_id=event.call_id, attempt_id=event.attempt_id,
                                  facts={"campaign_id": event.campaign_id})
        task.profile_known = True
        if ready_to_route(task) and await route(flow, task) and event.reserved_agent_id:
            await offer_to_reserved_agent(flow, task, event.reserved_agent_id)
        await dispatch(flow)
