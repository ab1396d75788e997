"""routing_service REST routes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from routing_service import accounts
from routing_service.adapters.orm import OperatorRow
from shared.db import UnitOfWork
from shared.problems import Problem
from shared.web import AdminActor, StaffActor

router = APIRouter(prefix="/api/v1")
internal = APIRouter(prefix="/internal/v1")

Team = Literal["tier1", "tier2", "tax", "legal", "system", "security"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


def get_uow(request: Request) -> UnitOfWork:
    return request.app.state.runtime.uow()  # type: ignore[no-any-return]


Uow = Annotated[UnitOfWork, Depends(get_uow)]


class OperatorIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(min_length=1, max_length=200)
    role: Literal["operator", "supervisor", "admin"] = "operator"
    teams: list[Team] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=lambda: ["ja"])
    max_concurrent: int = Field(default=3, ge=0, le=20)
    schedule: dict[str, object] | None = None


class OperatorOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    teams: list[str]
    languages: list[str]
    max_concurrent: int
    presence: str


def operator_out(row: OperatorRow) -> OperatorOut:
    return OperatorOut(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        teams=list(row.teams),
        languages=list(row.languages),
        max_concurrent=row.max_concurrent,
        presence=row.presence,
    )


class PresenceIn(BaseModel):
    status: Literal["available", "away", "offline"]


class LoginIn(BaseModel):
    username: str
    password: str


@router.post("/operators", status_code=201)
async def create_operator(body: OperatorIn, _: AdminActor, uow: Uow) -> OperatorOut:
    try:
        row = await accounts.create_operator(uow, **body.model_dump())
    except accounts.UsernameTaken as exc:
        raise Problem(409, "that username is taken") from exc
    return operator_out(row)


@router.put("/operators/me/presence")
async def set_presence(body: PresenceIn, actor: StaffActor, uow: Uow) -> OperatorOut:
    row = await accounts.set_presence(uow, operator_id=actor.id, status=body.status)
    if row is None:
        raise Problem(404, "no such operator")
    return operator_out(row)


@internal.post("/auth/verify")
async def verify(body: LoginIn, uow: Uow) -> dict[str, str]:
    """Used by the gateway only; not exposed publicly."""
    row = await accounts.verify_login(uow, username=body.username, password=body.password)
    if row is None:
        raise Problem(401, "wrong username or password")
    return {"id": row.id, "role": row.role, "language": row.languages[0] if row.languages else "ja"}
