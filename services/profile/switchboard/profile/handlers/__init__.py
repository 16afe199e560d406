"""What profile does with the events it consumes: `ingest` (contacts), `outcomes` (the rest)."""
