"""The events routing acts on."""

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.campaign import DialAnswered
from switchboard.common.events.ingest import CallEnded, CallStarted, ConversationClosed, MessageReceived
from switchboard.common.events.profile import ContactIdentified
from switchboard.routing.config import RoutingSettings
from switchboard.routing.desktops import DesktopBell
from switchboard.routing.handlers import RoutingHandlers


def build_handlers(settings: RoutingSettings | None = None, bell: DesktopBell | None = None) -> HandlerMap:
    handlers = RoutingHandlers(settings or RoutingSettings(), bell)
    return (
        HandlerMap()
        .on_batch(MessageReceived, handlers.on_messages_received)
        .on(CallStarted, handlers.on_call_started)
        .on(CallEnded, handlers.on_call_ended)
        .on(ConversationClosed, handlers.on_conversation_closed)
        .on_batch(ContactIdentified, handlers.on_contacts_identified)
        .on(DialAnswered, handlers.on_dial_answered)
    )
