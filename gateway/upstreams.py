"""Which service answers which public path, and the HTTP client that calls them."""

from __future__ import annotations

from gateway.config import GatewaySettings

# First path segment under /api/v1 -> the service that owns it.
ROUTES: dict[str, str] = {
    "conversations": "chat_service",
    "transcripts": "chat_service",
    "operators": "routing_service",
    "queues": "routing_service",
    "shifts": "routing_service",
    "tickets": "ticket_service",
    "customers": "ticket_service",
    "kb": "kb_service",
    "bot": "kb_service",
    "monitor": "monitor_service",
}


def upstream_url(settings: GatewaySettings, service: str) -> str:
    """The base URL of a backend service."""
    return str(getattr(settings, f"{service}_url")).rstrip("/")


def service_for(path: str) -> str | None:
    """The service owning `/api/v1/<path>`, if any."""
    head = path.strip("/").split("/", 1)[0]
    return ROUTES.get(head)
