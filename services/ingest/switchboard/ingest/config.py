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
    # Inbound SMS webhooks arriving together are committed in one transaction, up to this many.
    sms_batch_max: int = 512
    # A call's transcript, posted whole by the speech-to-text system.
    max_transcript_bytes: int = 2 * 1024 * 1024
    # Email is bigger: the whole message as posted, and each attachment kept.
    max_email_bytes: int = 25 * 1024 * 1024
    max_attachment_bytes: int = 10 * 1024 * 1024
    # The scheme and host providers post to, when a proxy sits in front (Twilio signs that URL).
    public_base_url: str | None = None

    # Outbound sending (see docs/ingest.md, "Outbound").
    send_poll_seconds: float = 0.5
    send_concurrency: int = 8
    send_timeout_seconds: float = 10.0
    send_max_attempts: int = 6
    send_backoff_seconds: float = 2.0
    send_backoff_max_seconds: float = 300.0
    # Where Twilio-compatible channels post their Messages API calls, unless a channel's
    # credentials name its own `api_base_url` (a compatible provider, or a test double).
    twilio_api_base_url: str = "https://api.twilio.com"
    # The SMTP listener for inbound mail (off unless a port is set, e.g. 2525; 25 needs root).
    smtp_port: int | None = None
    smtp_host: str = "127.0.0.1"
    # Web chat: a conversation with no message for this long is closed; visitor rate limits.
    chat_inactivity_minutes: float = 30.0
    chat_sessions_per_minute: int = 10
    chat_messages_per_minute: int = 30
    # Web sites whose pages may embed the widget (it calls /v1/chat/* from their origin); "*" for any.
    chat_allowed_origins: list[str] = ["*"]
    # How often idle chat and SMS conversations are looked for and closed.
    inactivity_sweep_seconds: float = 30.0
