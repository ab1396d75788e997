"""Monitoring rules: Erlang C staffing."""

from monitor_service.domain.erlang import (
    Staffing,
    concurrency_adjusted_agents,
    erlang_b,
    erlang_c,
    mean_wait_s,
    occupancy,
    required_agents,
    service_level,
    traffic_erlangs,
)

__all__ = [
    "Staffing",
    "concurrency_adjusted_agents",
    "erlang_b",
    "erlang_c",
    "mean_wait_s",
    "occupancy",
    "required_agents",
    "service_level",
    "traffic_erlangs",
]
