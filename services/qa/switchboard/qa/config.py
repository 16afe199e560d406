from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings


class QASettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    service_name: str = "qa"
    port: int = 8105
