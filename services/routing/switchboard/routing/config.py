from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    service_name: str = "routing"
    port: int = 8103
    # An offer not accepted within this goes to the next agent.
    offer_timeout_seconds: float = 20.0
    # Offers an agent lets time out in a row before being set not-ready.
    missed_offers_before_not_ready: int = 3
    # How long a new contact waits for its profile (tier, language) before routing with defaults.
    profile_grace_seconds: float = 2.0
    # How often the timers (offer timeouts, grace, escalation, wrap-up) are looked at.
    tick_seconds: float = 0.5
    # Keep each tenant's agents and waiting and held tasks in memory between decision passes, as
    # long as the database's generation says they are current (flow/hot.py); off: every pass
    # reads them from the database.
    keep_state_in_memory: bool = True
    # Abandons after waiting less than this are reported apart and left out of the service level.
    short_abandon_seconds: float = 5.0
