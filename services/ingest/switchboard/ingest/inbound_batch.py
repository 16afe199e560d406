"""Inbound SMS webhooks accepted in batches: one transaction, one commit, for every request waiting.

The webhook endpoints hand each request to the SMS intake (a `GroupCommit`) and
answer only once the batch holding it has committed. Inside a batch each
request is checked exactly as alone (its channel, its signature, its body) and
a refused one writes nothing. The others are de-duplicated and threaded with
one query per channel for the whole batch, in arrival order, so that two
copies of one provider message, or two messages of one thread, in the same
batch are stored once and joined; their rows go in with one INSERT per table.

A message that is a keyword (STOP, HELP) takes the general path,
`accept_inbound`, after the plain ones and inside a savepoint of its own: it
sees what the batch stored before it, and its failure does not undo the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias, cast

from sqlalchemy.exc import SQLAlchemyError

from switchboard.common.errors import NotFound, Unavailable
from switchboard.common.events.base import Payload, make_envelope
from switchboard.common.events.ingest import Channel as ChannelKind
from switchboard.common.events.ingest import ConversationOpened, MessageReceived
from switchboard.common.groupcommit import GroupCommit, WriterStopped
from switchboard.common.ids import new_id
from switchboard.common.runtime import Runtime
from switchboard.common.sqlite_thread import ThreadedSqlite
from switchboard.common.tracing import correlation_id_var, traceparent_var
from switchboard.common.uow import UnitOfWork
from switchboard.ingest.inbound import Accepted, InboundMessage, accept_inbound
from switchboard.ingest.keywords import classify
from switchboard.ingest.repository import BatchRows, IngestRepository, WebhookChannel

SmsIntake: TypeAlias = GroupCommit["SmsWebhook", Accepted]


@dataclass(frozen=True)
class SmsWebhook:
    """One provider request, checked in the batch: `verify` raises on a bad signature (given the
    channel's secret), `parse` on a bad body. The ids are the request's, for its events."""

    channel_id: str
    verify: Callable[[str], None]
    parse: Callable[[], InboundMessage]
    correlation_id: str | None = field(default_factory=correlation_id_var.get)
    traceparent: str | None = field(default_factory=traceparent_var.get)


@dataclass(frozen=True)
class _Admitted:
    index: int
    webhook: SmsWebhook
    channel: WebhookChannel
    inbound: InboundMessage


def build_sms_intake(
    runtime: Runtime, inactivity: timedelta, max_batch: int, threaded: ThreadedSqlite | None = None
) -> SmsIntake:
    """With `threaded` (SQLite), each batch's transaction runs in one worker-thread hop: its
    statements then cost no event-loop round trips, which under load were most of a batch's time."""
    source = runtime.settings.service_name

    async def write(uow: UnitOfWork, webhooks: Sequence[SmsWebhook]) -> list[Accepted | Exception]:
        return await write_sms_batch(uow, webhooks, inactivity=inactivity, source=source)

    if threaded is None:
        return GroupCommit("ingest-sms", runtime.unit_of_work, write, max_batch=max_batch,
                           on_commit=runtime.relay.wake)

    def unit_of_work() -> UnitOfWork:
        return UnitOfWork(threaded.sessions, runtime.backbone, source)  # type: ignore[arg-type]

    return GroupCommit("ingest-sms", unit_of_work, write, max_batch=max_batch,
                       on_commit=runtime.relay.wake, in_thread=threaded.run)


async def accept_sms_webhook(runtime: Runtime, webhook: SmsWebhook) -> Accepted:
    """Accepted once durable; a store that failed is a 503 the provider retries, never a 2xx."""
    intake = cast(SmsIntake, runtime.extras["sms_intake"])
    try:
        return await intake.submit(webhook)
    except (SQLAlchemyError, WriterStopped) as exc:
        raise Unavailable("the message could not be stored and was not accepted; send it again") from exc


async def write_sms_batch(
    uow: UnitOfWork, webhooks: Sequence[SmsWebhook], *, inactivity: timedelta, source: str
) -> list[Accepted | Exception]:
    repo = IngestRepository(uow.session)
    channels = await repo.webhook_channels({webhook.channel_id for webhook in webhooks})
    outcomes: list[Accepted | Exception | None] = [None] * len(webhooks)
    plain: list[_Admitted] = []
    general: list[_Admitted] = []
    for index, webhook in enumerate(webhooks):
        try:
            admitted = _admit(index, webhook, channels)
        except Exception as exc:  # noqa: BLE001 - this request's answer; the others go on
            outcomes[index] = exc
            continue
        (plain if _is_plain(admitted) else general).append(admitted)
    for admitted, accepted in zip(plain, await _store_plain(repo, plain, inactivity, source), strict=True):
        outcomes[admitted.index] = accepted
    for admitted in general:
        outcomes[admitted.index] = await _accept_alone(uow, admitted, inactivity)
    return [outcome if outcome is not None else RuntimeError("no outcome") for outcome in outcomes]


def _admit(index: int, webhook: SmsWebhook, channels: dict[str, WebhookChannel]) -> _Admitted:
    channel = channels.get(webhook.channel_id)
    if channel is None or channel.kind != "sms":
        raise NotFound(f"no SMS channel {webhook.channel_id}")
    webhook.verify(channel.signing_secret)
    return _Admitted(index, webhook, channel, webhook.parse())


def _is_plain(admitted: _Admitted) -> bool:
    inbound = admitted.inbound
    return not inbound.attachments and inbound.conversation_id is None and classify(inbound.text) is None


async def _accept_alone(uow: UnitOfWork, admitted: _Admitted, inactivity: timedelta) -> Accepted | Exception:
    correlation = correlation_id_var.set(admitted.webhook.correlation_id)
    trace = traceparent_var.set(admitted.webhook.traceparent)
    try:
        async with uow.session.begin_nested():
            tenant, channel_id = admitted.channel.tenant_id, admitted.channel.id
            uow.scope_to(tenant)
            channel = await IngestRepository(uow.session).channel(tenant, channel_id)
            if channel is None:  # read a moment ago in this same transaction
                raise NotFound(f"no SMS channel {channel_id}")
            return await accept_inbound(uow, channel, admitted.inbound, inactivity=inactivity)
    except Exception as exc:  # noqa: BLE001 - its savepoint is undone; the batch stands
        return exc
    finally:
        uow.session.info.pop("tenant", None)
        correlation_id_var.reset(correlation)
        traceparent_var.reset(trace)


@dataclass
class _Rows:
    """What a batch inserts, one list per table, and the conversations it moves."""

    source: str
    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    touched: dict[str, datetime] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    raw_payloads: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    _last: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))

    def now(self) -> datetime:
        """Strictly increasing within the batch, so the thread keeps its arrival order."""
        self._last = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        return self._last

    def emit(self, payload: Payload, admitted: _Admitted, conversation_id: str, now: datetime) -> None:
        envelope = make_envelope(
            payload, tenant=admitted.channel.tenant_id, source=self.source, subject=conversation_id,
            correlation_id=admitted.webhook.correlation_id,
        )
        trace = admitted.webhook.traceparent
        self.outbox.append({
            "event_id": envelope.id, "subject": envelope.nats_subject, "envelope": envelope.model_dump_json(),
            "headers": {"traceparent": trace} if trace is not None else {}, "created_at": now, "attempts": 0,
        })

    async def insert(self, repo: IngestRepository) -> None:
        await repo.insert_batch(BatchRows(list(self.conversations.values()), self.touched, self.messages,
                                          self.raw_payloads, self.outbox))


async def _store_plain(
    repo: IngestRepository, batch: list[_Admitted], inactivity: timedelta, source: str
) -> list[Accepted]:
    if not batch:
        return []
    known, threads = await _stored_state(repo, batch, datetime.now(UTC) - inactivity)
    rows = _Rows(source)
    answers = []
    for admitted in batch:  # arrival order: a copy or a reply later in the batch sees the earlier one
        key = (admitted.channel.id, admitted.inbound.provider_message_id)
        if key in known:
            message_id, conversation_id = known[key]
            answers.append(Accepted(message_id, conversation_id, duplicate=True))
            continue
        accepted = _store_one(rows, admitted, threads)
        known[key] = (accepted.message_id, accepted.conversation_id)
        answers.append(accepted)
    await rows.insert(repo)
    return answers


async def _stored_state(
    repo: IngestRepository, batch: list[_Admitted], active_since: datetime
) -> tuple[dict[tuple[str, str], tuple[str, str]], dict[tuple[str, str], str]]:
    """What is stored already: messages by (channel, provider id), open threads by (channel, address)."""
    by_channel: dict[str, list[_Admitted]] = {}
    for admitted in batch:
        by_channel.setdefault(admitted.channel.id, []).append(admitted)
    known: dict[tuple[str, str], tuple[str, str]] = {}
    threads: dict[tuple[str, str], str] = {}
    for channel_id, members in by_channel.items():
        stored, open_threads = await repo.stored_for_batch(
            members[0].channel.tenant_id, channel_id, {m.inbound.provider_message_id for m in members},
            {m.inbound.from_address for m in members}, active_since)
        known.update({(channel_id, provider_id): ids for provider_id, ids in stored.items()})
        threads.update({(channel_id, address): ids for address, ids in open_threads.items()})
    return known, threads


def _store_one(rows: _Rows, admitted: _Admitted, threads: dict[tuple[str, str], str]) -> Accepted:
    channel, inbound = admitted.channel, admitted.inbound
    kind = cast(ChannelKind, channel.kind)
    now = rows.now()
    conversation_id = threads.get((channel.id, inbound.from_address))
    if conversation_id is None:
        conversation_id = new_id()
        threads[(channel.id, inbound.from_address)] = conversation_id
        rows.conversations[conversation_id] = {
            "id": conversation_id, "tenant_id": channel.tenant_id, "channel_id": channel.id,
            "channel_kind": channel.kind, "customer_address": inbound.from_address, "status": "open",
            "opened_at": now, "last_activity_at": now,
        }
        rows.emit(ConversationOpened(conversation_id=conversation_id, channel=kind, channel_id=channel.id,
                                     customer_address=inbound.from_address, opened_at=now),
                  admitted, conversation_id, now)
    elif conversation_id in rows.conversations:  # opened earlier in this batch
        rows.conversations[conversation_id]["last_activity_at"] = now
    else:
        rows.touched[conversation_id] = now
    message_id = new_id()
    rows.messages.append({
        "id": message_id, "tenant_id": channel.tenant_id, "conversation_id": conversation_id,
        "channel_id": channel.id, "direction": "in", "from_address": inbound.from_address,
        "to_address": inbound.to_address, "text": inbound.text,
        "provider_message_id": inbound.provider_message_id, "created_at": now, "subject": inbound.subject,
    })
    rows.raw_payloads.append({
        "id": new_id(), "tenant_id": channel.tenant_id, "channel_id": channel.id,
        "message_id": message_id, "content_type": inbound.content_type, "body": inbound.raw_body,
        "received_at": now,
    })
    rows.emit(MessageReceived(
        message_id=message_id, conversation_id=conversation_id, channel=kind, channel_id=channel.id,
        from_address=inbound.from_address, to_address=inbound.to_address, text=inbound.text,
        provider_message_id=inbound.provider_message_id, received_at=inbound.received_at or now,
        subject=inbound.subject, attachment_count=0,
    ), admitted, conversation_id, now)
    return Accepted(message_id, conversation_id, duplicate=False)
