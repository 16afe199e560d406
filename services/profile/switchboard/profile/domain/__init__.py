"""Profile's rules in plain Python: no database, no bus."""
