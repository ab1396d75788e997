"""chat_service settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ChatSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CHAT_", extra="ignore")

    max_text_chars: int = 4000
    # Messages a customer may send across every replica: a burst, then a steady rate (the
    # gateway's own limit is per replica).
    message_burst: int = Field(default=20, ge=1)
    message_rate_per_s: float = Field(default=2.0, gt=0)
    # A proactive contact decided longer ago is dropped: a topic read from its start (a new
    # consumer group) or a long outage would otherwise greet customers with old news.
    proactive_max_age_s: float = Field(default=6 * 3600, gt=0)
