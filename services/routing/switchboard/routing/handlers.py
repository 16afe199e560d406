"""What routing does with the events it consumes: contacts in, profiles, hang-ups, answered dials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from switchboard.common.consumer import EventContext
from switchboard.common.events.base import Envelope
from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import CallEnded, CallStarted, ConversationClosed, MessageReceived
from switchboard.common.events.profile import ContactIdentified
from switchboard.common.uow import UnitOfWork
from switchboard.routing.config import RoutingSettings
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.flow.context import Flow, open_flow
from switchboard.routing.flow.dispatch import dispatch, offer_to_reserved_agent
from switchboard.routing.flow.intake import (
    TEXT_KEPT_FOR_RULES,
    abandon,
    apply_profile,
    new_task,
    open_task,
    ready_to_route,
    route,
)
from switchboard.routing.flow.messages import record_message_left
from switchboard.routing.models import Task


class RoutingHandlers:
    def __init__(self, settings: RoutingSettings, bell: DesktopBell | None = None) -> None:
        self.settings = settings
        self.bell = bell

    async def _flow(self, ctx: EventContext) -> Flow:
        return await open_flow(ctx.uow, ctx.tenant, datetime.now(UTC), self.settings, self.bell)

    async def _route_if_ready(self, flow: Flow, task: Task) -> None:
        if ready_to_route(task) and await route(flow, task):
            await dispatch(flow)

    async def on_messages_received(self, batch: list[tuple[MessageReceived, Envelope]],
                                   uow: UnitOfWork) -> None:
        """A fetch of messages of one tenant, in stream order, in one transaction and one pass."""
        flow = await self._batch_flow(uow, batch)
        routed = False
        for event, envelope in batch:
            flow.cause = envelope
            facts = {"text": event.text[:TEXT_KEPT_FOR_RULES], "dialed_number": event.to_address}
            task, _ = await open_task(flow, event.conversation_id, event.channel, facts=facts)
            routed = await self._route_now_or_later(flow, task) or routed
        if routed:
            await dispatch(flow)
        await flow.write_events()

    async def _batch_flow(self, uow: UnitOfWork, batch: list[tuple[Any, Envelope]],
                          with_history: bool = False) -> Flow:
        """One flow for the whole batch: its conversations' open tasks read at once, its events
        written at once, each carrying the event it answers as its cause."""
        flow = await open_flow(uow, batch[0][1].tenant, datetime.now(UTC), self.settings, self.bell)
        await flow.read_open_tasks([event.conversation_id for event, _ in batch], with_history=with_history)
        flow.hold_events()
        return flow

    async def _route_now_or_later(self, flow: Flow, task: Task) -> bool:
        """Route a task that is ready; True when a decision pass is due. The pass runs once, after
        the batch, unless a queue has a maximum size: that counts the waiting tasks, so each task
        must see the offers made before it, as it would have one event at a time."""
        if not (ready_to_route(task) and await route(flow, task)):
            return False
        if any(queue.max_size is not None for queue in (await flow.queues()).values()):
            await dispatch(flow)
            return False
        return True

    async def on_call_started(self, event: CallStarted, ctx: EventContext) -> None:
        if event.direction != "inbound":
            return  # an outbound dial reaches routing once answered, as campaign.dial.answered
        flow = await self._flow(ctx)
        facts = {"dialed_number": event.to_address, "ivr_selection": event.ivr_selection}
        task, _ = await open_task(flow, event.conversation_id, "voice", facts=facts, call_id=event.call_id)
        await self._route_if_ready(flow, task)

    async def on_contacts_identified(self, batch: list[tuple[ContactIdentified, Envelope]],
                                     uow: UnitOfWork) -> None:
        """A fetch of profiles of one tenant, in stream order, in one transaction and one pass."""
        # A profile often overtakes its contact (two streams): which conversations were handled
        # already is read for the whole fetch at once.
        flow = await self._batch_flow(uow, batch, with_history=True)
        due = False
        for event, envelope in batch:
            flow.cause = envelope
            due = await self._apply_profile(flow, event) or due
        if due:
            await dispatch(flow)
        await flow.write_events()

    async def _apply_profile(self, flow: Flow, event: ContactIdentified) -> bool:
        task = await flow.open_task_for(event.conversation_id)
        if task is None:
            if await flow.had_task(event.conversation_id):
                return False  # the contact was already handled (or abandoned): a late profile changes nothing
            # The profile may overtake the contact (two streams): it then opens the task itself.
            task = await new_task(flow, event.conversation_id, event.channel, has_contact=False)
        await apply_profile(flow, task, event.customer_id, event.tier, event.language, event.segments)
        if task.status == "pending":
            return await self._route_now_or_later(flow, task)
        return True  # a new priority may change who goes first

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
