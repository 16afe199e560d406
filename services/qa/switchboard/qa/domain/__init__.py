"""QA's rules in plain Python: redaction, sentiment, automatic checks. No I/O."""
