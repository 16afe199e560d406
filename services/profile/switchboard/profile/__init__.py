"""Profile: one customer across every channel."""
