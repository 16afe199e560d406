"""Outbound sending: accept durably, then hand to the provider with retries, then track receipts.

accept.py     what a send request becomes in one transaction (message, delivery, events)
commands.py   the same for commands from other services (campaign attempts, ingest.cmd.send)
dials.py      voice attempts: a dial accepted like a send, placed by the sender, then a call
rules.py      plain rules: delivery-state order, provider status names, backoff
providers/    one adapter per provider, speaking its wire format
sender.py     the background worker that claims due deliveries and sends them
outcomes.py   recording what the provider answered, and the receipts it posts later
"""
