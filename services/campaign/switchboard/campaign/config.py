from pydantic_settings import SettingsConfigDict

from switchboard.campaign.profile_tokens import ClientCredentials
from switchboard.common.settings import ServiceSettings


class CampaignSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CAMPAIGN_", extra="ignore")

    service_name: str = "campaign"
    port: int = 8104
    # How often the scheduler looks for due contacts, and the most attempts one pass requests
    # per campaign (a blast of a million contacts goes out in passes of this size).
    scheduler_seconds: float = 1.0
    scheduler_batch: int = 200
    # Birthday and churn-risk journeys (and lists from a segment) read profile's API with a service
    # token for the tenant (profile_tokens.py): minted with the shared secret by default; with an
    # OIDC provider, fetched from its token endpoint with each tenant's client (client credentials,
    # CAMPAIGN_PROFILE_CLIENTS='{"acme": {"client_id": "...", "client_secret": "..."}}'); or one
    # given token for a single-tenant deployment.
    profile_url: str = "http://127.0.0.1:8102"
    profile_token: str | None = None
    profile_token_url: str | None = None
    profile_clients: dict[str, ClientCredentials] = {}
    profile_token_scope: str | None = None
    profile_token_audience: str | None = None
    segment_journey_seconds: float = 3600.0
    # A CSV list of at least this many lines has its numbers parsed by this many worker processes
    # (spawned per upload, 0 for none), so the parsing and the rest of the import share the cores.
    list_parse_workers: int = 2
    list_parse_min_rows: int = 50_000
