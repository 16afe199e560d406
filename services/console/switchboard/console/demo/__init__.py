"""The demo traffic simulator: customers, agents and a campaign against a running platform."""

from switchboard.console.demo.cli import main

__all__ = ["main"]
