"""Web chat: visitor sessions, their live sockets, and the limits that keep them polite.

hub.py       the visitor sockets connected to this process, by conversation
sessions.py  starting a session, checking its token, accepting a visitor's message
limits.py    per-key sliding-window rate limits for visitors
"""
