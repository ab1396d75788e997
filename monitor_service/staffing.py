"""Staffing advice: Erlang C on given or measured arrivals and handle time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from monitor_service import readmodel
from monitor_service.config import MonitorSettings
from monitor_service.domain.erlang import (
    concurrency_adjusted_agents,
    required_agents,
    traffic_erlangs,
)

# Beyond this offered load the advice is meaningless for one desk and the search gets slow.
MAX_TRAFFIC_ERLANGS = 10_000.0


class UnreasonableLoad(ValueError):
    """The inputs describe more traffic than any desk could staff."""


async def advise(
    *,
    session: AsyncSession,
    settings: MonitorSettings,
    now: datetime,
    team: str | None,
    language: str | None,
    arrivals_per_hour: float | None,
    aht_s: float | None,
    target_sl: float,
    target_s: float,
    concurrency: int | None,
) -> dict[str, Any]:
    """Agents needed for the target service level, with the inputs that produced it."""
    sources: dict[str, str] = {}
    if arrivals_per_hour is None:
        arrivals_per_hour = await readmodel.arrivals_per_hour(
            session, now=now, window_s=settings.arrival_window_s, team=team, language=language
        )
        sources["arrivals_per_hour"] = "measured"
    else:
        sources["arrivals_per_hour"] = "given"
    aht_samples = 0
    if aht_s is None:
        measured_aht, aht_samples = await readmodel.handle_time(
            session, now=now, window_s=settings.aht_window_s, team=team, language=language
        )
        # A zero-second handle time would advise zero agents: fall back instead.
        if measured_aht:
            aht_s, sources["aht_s"] = measured_aht, "measured"
        else:
            aht_s, sources["aht_s"] = settings.default_aht_s, "default"
    else:
        sources["aht_s"] = "given"
    if concurrency is None:
        concurrency = await readmodel.typical_concurrency(session) or settings.default_concurrency
    if traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_s=aht_s) > MAX_TRAFFIC_ERLANGS:
        raise UnreasonableLoad(f"more than {MAX_TRAFFIC_ERLANGS:.0f} erlangs of offered load")
    staffing = required_agents(
        arrivals_per_hour=arrivals_per_hour, aht_s=aht_s, target_sl=target_sl, target_s=target_s
    )
    return {
        "agents": staffing.agents,
        "service_level": round(staffing.service_level, 6),
        "occupancy": round(staffing.occupancy, 6),
        "wait_probability": round(staffing.wait_probability, 6),
        "mean_wait_s": round(staffing.mean_wait_s, 3),
        "concurrency": concurrency,
        "concurrency_adjusted_agents": concurrency_adjusted_agents(
            staffing=staffing, concurrency=concurrency
        ),
        "team": team,
        "language": language,
        "arrivals_per_hour": round(arrivals_per_hour, 4),
        "aht_s": round(aht_s, 3),
        "aht_samples": aht_samples,
        "target_sl": target_sl,
        "target_s": target_s,
        "measured": "measured" in sources.values(),
        "sources": sources,
    }
