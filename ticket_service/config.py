"""ticket_service settings."""

from __future__ import annotations

from typing import Any

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class TicketSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TICKET_", extra="ignore")

    # How often the SLA scheduler looks for due deadlines (breach lag is at most about this).
    sla_tick_s: float = 1.0
    proactive_tick_s: float = 5.0
    # A customer returning within this window rejoins their recently resolved ticket.
    relink_window_h: float = 24.0
    # Same shape as DEFAULT_SLA_POLICIES, replacing whole (team, priority) policies (JSON env).
    sla_overrides: dict[str, Any] = {}
