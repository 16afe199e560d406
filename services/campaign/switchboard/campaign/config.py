from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings


class CampaignSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPAIGN_", extra="ignore")

    service_name: str = "campaign"
    port: int = 8104
    # How often the scheduler looks for due contacts, and the most attempts one pass requests
    # per campaign (a blast of a million contacts goes out in passes of this size).
    scheduler_seconds: float = 1.0
    scheduler_batch: int = 200
    # Birthday and churn-risk journeys read their profile segment's members this often, through
    # profile's API with a service token (minted with the shared secret; or given, for OIDC).
    profile_url: str = "http://127.0.0.1:8102"
    profile_token: str | None = None
    segment_journey_seconds: float = 3600.0
    # A CSV list of at least this many lines has its numbers parsed by this many worker processes
    # (spawned per upload, 0 for none), so the parsing and the rest of the import share the cores.
    list_parse_workers: int = 2
    list_parse_min_rows: int = 50_000
