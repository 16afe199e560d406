"""The routing engine: plain Python, no I/O, driven by an injected clock."""
