"""monitor_service REST routes (supervisors and admins only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from monitor_service import alerting, readmodel, staffing
from monitor_service.config import MonitorSettings
from shared.problems import Problem
from shared.web import SupervisorActor, Uow

router = APIRouter(prefix="/api/v1/monitor")

TEAM = r"^(tier1|tier2|tax|legal|system|security)$"
LANGUAGE = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"


async def get_settings(request: Request) -> MonitorSettings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


Settings = Annotated[MonitorSettings, Depends(get_settings)]


@router.get("/snapshot")
async def get_snapshot(_: SupervisorActor, uow: Uow, settings: Settings) -> dict[str, Any]:
    """Queues, operators, conversations, SLA and bot figures, live from the event stream."""
    async with uow:
        return await readmodel.snapshot(
            uow.session, now=datetime.now(UTC), arrival_window_s=settings.arrival_window_s
        )


@router.get("/staffing")
async def get_staffing(
    _: SupervisorActor,
    uow: Uow,
    settings: Settings,
    team: Annotated[str | None, Query(pattern=TEAM)] = None,
    language: Annotated[str | None, Query(pattern=LANGUAGE)] = None,
    arrivals_per_hour: Annotated[
        float | None, Query(ge=0, le=1_000_000, allow_inf_nan=False)
    ] = None,
    aht_s: Annotated[float | None, Query(gt=0, le=86_400, allow_inf_nan=False)] = None,
    target_sl: Annotated[float, Query(ge=0, lt=1, allow_inf_nan=False)] = 0.8,
    target_s: Annotated[float, Query(ge=0, le=86_400, allow_inf_nan=False)] = 60.0,
    concurrency: Annotated[int | None, Query(ge=1, le=20)] = None,
) -> dict[str, Any]:
    """Erlang C advice; arrivals and handle time are measured from events when not given."""
    async with uow:
        try:
            return await staffing.advise(
                session=uow.session,
                settings=settings,
                now=datetime.now(UTC),
                team=team,
                language=language,
                arrivals_per_hour=arrivals_per_hour,
                aht_s=aht_s,
                target_sl=target_sl,
                target_s=target_s,
                concurrency=concurrency,
            )
        except ValueError as exc:  # the domain's own checks, e.g. an unreasonable load
            raise Problem(422, str(exc)) from exc


@router.get("/alerts")
async def get_alerts(_: SupervisorActor, uow: Uow) -> dict[str, Any]:
    """Alerts raised and not yet cleared."""
    rows = await alerting.active_alerts(uow=uow)
    return {
        "items": [
            {
                "name": r.name,
                "severity": r.severity,
                "detail": r.detail,
                "value": r.value,
                "threshold": r.threshold,
                "raised_at": r.raised_at.isoformat(),
            }
            for r in rows
        ]
    }
