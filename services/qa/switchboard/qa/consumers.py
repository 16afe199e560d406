"""The events qa acts on (none yet: its handlers come with the qa work)."""

from switchboard.common.consumer import HandlerMap


def build_handlers() -> HandlerMap:
    return HandlerMap()
