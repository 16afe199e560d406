"""Campaign: outbound dialing, blasts, surveys and journeys."""
