"""The events ingest acts on: profile's consent, and sends asked for by other services."""

from datetime import timedelta

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.campaign import AttemptRequested
from switchboard.common.events.ingest import SendMessage
from switchboard.common.events.profile import ConsentChanged
from switchboard.ingest.consent import on_consent_changed
from switchboard.ingest.outbound.commands import SendCommands


def build_handlers(sms_inactivity: timedelta = timedelta(hours=24)) -> HandlerMap:
    commands = SendCommands(sms_inactivity)
    return (
        HandlerMap()
        .on(ConsentChanged, on_consent_changed)
        .on(AttemptRequested, commands.on_attempt_requested)
        .on(SendMessage, commands.on_send_command)
    )
