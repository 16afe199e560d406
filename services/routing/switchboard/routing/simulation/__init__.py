"""A discrete-event simulator of a contact center driving the real routing engine."""
