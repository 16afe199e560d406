"""The events ingest acts on. Outbound sends arrive with the outbound-channels work."""

from switchboard.common.consumer import HandlerMap
from switchboard.common.events.profile import ConsentChanged
from switchboard.ingest.consent import on_consent_changed


def build_handlers() -> HandlerMap:
    return HandlerMap().on(ConsentChanged, on_consent_changed)
