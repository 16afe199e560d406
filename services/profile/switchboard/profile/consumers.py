"""The events profile acts on."""

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.ingest import MessageReceived
from switchboard.profile.handlers import on_message_received


def build_handlers() -> HandlerMap:
    return HandlerMap().on(MessageReceived, on_message_received)
