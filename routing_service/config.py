"""routing_service settings."""

from __future__ import annotations

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore")

    admin_password: SecretStr = SecretStr("admin")
    # An assigned operator must write to the customer within this, or it goes to someone else.
    answer_timeout_s: float = 60.0
    # A staff member whose last socket closed this long ago counts as offline.
    disconnect_grace_s: float = 60.0
    # The scheduler's period: timeouts, presence, shift starts and quote refreshes.
    tick_s: float = 2.0
    # The handle time assumed until some are measured.
    prior_handle_s: float = 600.0
    # An ETA moving less than this is not news to the customer (a position change always is).
    quote_min_change_s: float = 30.0

    @model_validator(mode="after")
    def _refuse_default_admin_password(self) -> RoutingSettings:
        if not self.dev_mode and self.admin_password.get_secret_value() == "admin":
            raise ValueError("admin_password is the dev default; set one outside dev mode")
        return self
