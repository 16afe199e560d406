from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    service_name: str = "ingest"
    port: int = 8101
    # Provider signatures older or newer than this are refused (replayed requests).
    signature_window_seconds: int = 300
    # An SMS thread stays one conversation while messages keep coming within this.
    sms_inactivity_hours: float = 24.0
    max_webhook_bytes: int = 256 * 1024
    # The scheme and host providers post to, when a proxy sits in front (Twilio signs that URL).
    public_base_url: str | None = None
