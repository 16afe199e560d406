"""Staffing arithmetic: Erlang C, in plain Python."""
