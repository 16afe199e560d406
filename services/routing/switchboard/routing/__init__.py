"""Routing: the automatic call distributor."""
