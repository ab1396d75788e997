"""routing_service REST routes: operators, presence, shifts and queues."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy import select

from routing_service import accounts
from routing_service.adapters import repository as repo
from routing_service.adapters.orm import QuoteRow
from routing_service.config import RoutingSettings
from routing_service.entrypoints.schemas import (
    ConnectionIn,
    LoginIn,
    OperatorIn,
    OperatorListItem,
    OperatorOut,
    PresenceIn,
    QueueEntry,
    QueueItem,
    ScheduleIn,
    Team,
    operator_out,
)
from routing_service.quotes import summaries
from routing_service.scheduler import settle_all
from shared.problems import Problem
from shared.web import AdminActor, StaffActor, SupervisorActor, Uow

router = APIRouter(prefix="/api/v1")
internal = APIRouter(prefix="/internal/v1")


async def _settle(request: Request) -> None:
    """Capacity may have appeared: assign waiting conversations now, not at the next tick."""
    runtime = request.app.state.runtime
    settings: RoutingSettings = runtime.settings
    await settle_all(runtime.uow, settings=settings, now=datetime.now(UTC))


@router.post("/operators", status_code=201)
async def create_operator(body: OperatorIn, _: AdminActor, uow: Uow) -> OperatorOut:
    fields = body.model_dump(exclude={"schedule"})
    schedule = body.schedule.normalized() if body.schedule else None
    try:
        row = await accounts.create_operator(uow, **fields, schedule=schedule)
    except accounts.UsernameTaken as exc:
        raise Problem(409, "that username is taken") from exc
    return operator_out(row)


@router.get("/operators")
async def list_operators(_: StaffActor, uow: Uow) -> dict[str, list[OperatorListItem]]:
    now = datetime.now(UTC)
    items = []
    for row in await accounts.list_operators(uow):
        op = repo.to_operator(row)
        items.append(
            OperatorListItem(
                **operator_out(row).model_dump(), on_shift=op.is_on_shift(now), load=op.load
            )
        )
    return {"items": items}


@router.put("/operators/me/presence")
async def set_presence(
    body: PresenceIn, actor: StaffActor, uow: Uow, request: Request
) -> OperatorOut:
    row = await accounts.set_presence(uow, operator_id=actor.id, status=body.status)
    if row is None:
        raise Problem(404, "no such operator")
    if body.status == "available":
        await _settle(request)
    return operator_out(row)


@router.put("/operators/{operator_id}/schedule")
async def set_schedule(
    operator_id: str, body: ScheduleIn, _: AdminActor, uow: Uow, request: Request
) -> OperatorOut:
    row = await accounts.set_schedule(uow, operator_id=operator_id, schedule=body.normalized())
    if row is None:
        raise Problem(404, "no such operator")
    await _settle(request)
    return operator_out(row)


@router.delete("/operators/{operator_id}/schedule")
async def clear_schedule(
    operator_id: str, _: AdminActor, uow: Uow, request: Request
) -> OperatorOut:
    row = await accounts.set_schedule(uow, operator_id=operator_id, schedule=None)
    if row is None:
        raise Problem(404, "no such operator")
    await _settle(request)
    return operator_out(row)


@router.get("/queues")
async def list_queues(_: SupervisorActor, uow: Uow) -> dict[str, list[QueueItem]]:
    async with uow:
        found = await summaries(uow.session, now=datetime.now(UTC))
    return {"items": [QueueItem(**vars(q)) for q in found]}


@router.get("/queues/{team}/entries")
async def queue_entries(
    team: Team, _: StaffActor, uow: Uow, language: str | None = None
) -> dict[str, list[QueueEntry]]:
    """Who waits for a team, in serving order, with the escalation note for the next operator."""
    now = datetime.now(UTC)
    items: list[QueueEntry] = []
    async with uow:
        languages = (
            [language]
            if language
            else sorted({lang for t, lang in await repo.waiting_queues(uow.session) if t == team})
        )
        for lang in languages:
            rows = list(await uow.session.scalars(repo.queued(team, lang)))
            quotes = {
                q.conversation_id: q
                for q in await uow.session.scalars(
                    select(QuoteRow).where(QuoteRow.conversation_id.in_(repo.ids(rows)))
                )
            }
            for position, row in enumerate(rows, start=1):
                quote = quotes.get(row.conversation_id)
                items.append(
                    QueueEntry(
                        conversation_id=row.conversation_id,
                        customer_id=row.customer_id,
                        language=row.language,
                        position=position,
                        waited_s=round(repo.waited_s(row, now), 1),
                        priority=row.priority,
                        category=row.category,
                        security_incident=row.security,
                        reason=row.reason,
                        note=row.note,
                        estimated_wait_s=quote.estimated_wait_s if quote else None,
                        opens_at=quote.opens_at.isoformat() if quote and quote.opens_at else None,
                    )
                )
    return {"items": items}


@internal.post("/auth/verify")
async def verify(body: LoginIn, uow: Uow) -> dict[str, str]:
    """Used by the gateway only; not exposed publicly."""
    row = await accounts.verify_login(uow, username=body.username, password=body.password)
    if row is None:
        raise Problem(401, "wrong username or password")
    return {"id": row.id, "role": row.role, "language": row.languages[0] if row.languages else "ja"}


@internal.post("/operators/{operator_id}/connection", status_code=204)
async def connection(operator_id: str, body: ConnectionIn, uow: Uow) -> Response:
    """The gateway reports a staff member's first socket opening or last one closing."""
    row = await accounts.set_connection(
        uow, operator_id=operator_id, connected=body.connected, now=datetime.now(UTC)
    )
    if row is None:
        raise Problem(404, "no such operator")
    return Response(status_code=204)
