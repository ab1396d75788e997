"""monitor_service settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class MonitorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    # How often the alert loop looks at the read models.
    alert_interval_s: float = Field(default=5.0, gt=0)
    # A queue whose oldest customer has waited longer than this raises `queue_wait_long`.
    queue_wait_alert_s: float = Field(default=180.0, gt=0)
    # This many SLA breaches within the window raise `sla_breach_spike`.
    breach_spike_count: int = Field(default=5, ge=1)
    breach_spike_window_s: float = Field(default=900.0, gt=0)
    # Bot containment below this share, over at least `containment_min_sample` conversations
    # that left the bot within the window, raises `bot_containment_low`.
    containment_alert_below: float = Field(default=0.5, ge=0, le=1)
    containment_min_sample: int = Field(default=10, ge=1)
    containment_window_s: float = Field(default=3600.0, gt=0)
    # Staffing inputs measured from events: arrivals over the last hour, handle time over a day.
    arrival_window_s: float = Field(default=3600.0, gt=0)
    aht_window_s: float = Field(default=86400.0, gt=0)
    default_aht_s: float = Field(default=480.0, gt=0)
    default_concurrency: int = Field(default=3, ge=1)
