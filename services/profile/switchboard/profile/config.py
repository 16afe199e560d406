from pydantic_settings import SettingsConfigDict

from switchboard.common.settings import ServiceSettings


class ProfileSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROFILE_", extra="ignore")

    service_name: str = "profile"
    port: int = 8102
