"""exchange_simulator settings."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class SimulatorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIMULATOR_", extra="ignore")

    # Publish the demo customers' history (cust-001..cust-010) once the broker is reachable.
    demo_data: bool = True
