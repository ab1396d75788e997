"""Gateway settings."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    chat_service_url: str = "http://127.0.0.1:8101"
    routing_service_url: str = "http://127.0.0.1:8102"
    ticket_service_url: str = "http://127.0.0.1:8103"
    kb_service_url: str = "http://127.0.0.1:8104"
    monitor_service_url: str = "http://127.0.0.1:8105"
    upstream_timeout_s: float = 10.0
    # Browsers must come from one of these; apps that send no Origin are let through.
    ws_allowed_origins: list[str] = [
        "http://localhost:8000",
        "http://127.0.0.1:8000",
    ]
    ws_auth_timeout_s: float = 5.0
    customer_token_ttl_s: int = 3600
