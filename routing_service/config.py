"""routing_service settings."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    admin_password: SecretStr = SecretStr("admin")

    @model_validator(mode="after")
    def _refuse_default_admin_password(self) -> RoutingSettings:
        if not self.dev_mode and self.admin_password.get_secret_value() == "admin":
            raise ValueError("admin_password is the dev default; set one outside dev mode")
        return self
