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
