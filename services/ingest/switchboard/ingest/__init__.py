"""Ingest: where every channel enters Switchboard and every outbound message leaves."""
