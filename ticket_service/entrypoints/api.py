"""ticket_service REST routes (staff only): parse, call one handler, map domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.problems import Problem
from shared.web import StaffActor, Uow
from ticket_service import handlers
from ticket_service.adapters.repository import TicketFilter
from ticket_service.domain.errors import DomainError, InvalidValue
from ticket_service.domain.status import TEAMS, Priority, Status
from ticket_service.tickets import TicketRules

router = APIRouter(prefix="/api/v1")


async def get_rules(request: Request) -> TicketRules:
    return request.app.state.ticket_rules  # type: ignore[no-any-return]


Rules = Annotated[TicketRules, Depends(get_rules)]
TeamName = Literal["tier1", "tier2", "tax", "legal", "system", "security"]
assert set(TeamName.__args__) == TEAMS  # type: ignore[attr-defined]


@contextmanager
def domain_errors() -> Iterator[None]:
    """Map domain errors to HTTP problems."""
    try:
        yield
    except handlers.NotFound as exc:
        raise Problem(404, "no such ticket") from exc
    except InvalidValue as exc:
        raise Problem(422, str(exc)) from exc
    except DomainError as exc:
        raise Problem(409, str(exc)) from exc


class TicketPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    priority: Priority | None = None
    category: str | None = Field(default=None, max_length=50)
    team: TeamName | None = None
    assignee_id: str | None = Field(default=None, max_length=100)


class NewNote(BaseModel):
    body: str = Field(min_length=1, max_length=10_000)


class Merge(BaseModel):
    into_ticket_id: str = Field(min_length=1, max_length=36)


@router.get("/tickets")
async def list_tickets(
    _: StaffActor,
    uow: Uow,
    customer_id: str | None = None,
    status: str | None = None,
    team: TeamName | None = None,
    assignee_id: str | None = None,
    breached: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = Query(default=None, max_length=500),
) -> dict[str, Any]:
    statuses = tuple(s for s in (status or "").split(",") if s)
    if any(s not in Status.__members__.values() for s in statuses):
        raise Problem(422, f"unknown status in {status!r}")
    flt = TicketFilter(
        customer_id=customer_id,
        statuses=statuses,
        team=team,
        assignee_id=assignee_id,
        breached=breached,
    )
    try:
        return await handlers.list_tickets(uow, flt=flt, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise Problem(422, "the cursor is not valid") from exc


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: str, _: StaffActor, uow: Uow) -> dict[str, Any]:
    with domain_errors():
        return await handlers.get_ticket(uow, ticket_id=ticket_id)


@router.patch("/tickets/{ticket_id}")
async def patch_ticket(
    ticket_id: str, body: TicketPatch, actor: StaffActor, uow: Uow, rules: Rules
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    for name in ("status", "priority"):
        if name in changes and changes[name] is None:
            raise Problem(422, f"{name} cannot be null")
    with domain_errors():
        return await handlers.update_ticket(
            uow, rules=rules, actor=actor, ticket_id=ticket_id, changes=changes
        )


@router.post("/tickets/{ticket_id}/notes", status_code=201)
async def add_note(ticket_id: str, body: NewNote, actor: StaffActor, uow: Uow) -> dict[str, Any]:
    with domain_errors():
        return await handlers.add_note(uow, actor=actor, ticket_id=ticket_id, body=body.body)


@router.get("/tickets/{ticket_id}/notes")
async def list_notes(ticket_id: str, _: StaffActor, uow: Uow) -> dict[str, Any]:
    with domain_errors():
        return {"items": await handlers.list_notes(uow, ticket_id=ticket_id)}


@router.get("/tickets/{ticket_id}/audit")
async def audit(ticket_id: str, _: StaffActor, uow: Uow) -> dict[str, Any]:
    with domain_errors():
        return {"items": await handlers.audit_trail(uow, ticket_id=ticket_id)}


@router.post("/tickets/{ticket_id}/merge")
async def merge(ticket_id: str, body: Merge, actor: StaffActor, uow: Uow) -> dict[str, Any]:
    with domain_errors():
        return await handlers.merge(
            uow, actor=actor, ticket_id=ticket_id, into_ticket_id=body.into_ticket_id
        )


@router.get("/customers/{customer_id}/context")
async def customer_context(customer_id: str, _: StaffActor, uow: Uow) -> dict[str, Any]:
    return await handlers.customer_context(uow, customer_id=customer_id)
