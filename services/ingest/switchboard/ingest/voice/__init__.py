"""Voice and CTI: the facts of calls as the PBX (or Twilio) reports them. No media here."""
