"""The events campaign acts on (none yet: its handlers come with the campaign work)."""

from switchboard.common.consumer import HandlerMap


def build_handlers() -> HandlerMap:
    return HandlerMap()
