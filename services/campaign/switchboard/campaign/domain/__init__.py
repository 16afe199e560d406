"""Campaign rules in plain Python: windows, retries, suppression, ordering, pacing."""
