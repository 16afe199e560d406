"""Inbound email: parsing real-world MIME, reading its text, threading it into conversations.

text.py     charsets, HTML to readable text, quoted replies
mime.py     a raw message (RFC 5322 / MIME) to a ParsedEmail
mailgun.py  the Mailgun-style inbound-parse webhook: signature and form
accept.py   storing a ParsedEmail: thread, message, attachments, events
"""
