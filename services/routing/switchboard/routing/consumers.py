"""The events routing acts on (none yet: its handlers come with the routing work)."""

from switchboard.common.consumer import HandlerMap


def build_handlers() -> HandlerMap:
    return HandlerMap()
