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
    # Messages a client may send (REST and websocket together): a burst, then a steady rate.
    message_burst: int = 20
    message_rate_per_s: float = 2.0
    # Any websocket frame a client sends: beyond this the socket is closed with 4429.
    ws_frame_burst: int = 60
    ws_frame_rate_per_s: float = 20.0
    ws_max_frame_bytes: int = 16_384
    # Silent this long, the client is pinged; still silent after the grace, it is closed.
    ws_idle_timeout_s: float = 60.0
    ws_pong_timeout_s: float = 10.0
    # A typing indicator at most this often per socket and conversation.
    ws_typing_interval_s: float = 2.0
    presence_timeout_s: float = 2.0
