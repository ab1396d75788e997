"""Request and response bodies of routing's REST API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from routing_service.adapters.orm import OperatorRow
from shared.schedule import WeeklySchedule

Team = Literal["tier1", "tier2", "tax", "legal", "system", "security"]
Language = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")]


class WindowIn(BaseModel):
    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    start: HHMM
    end: HHMM  # at or before start: the shift crosses midnight


class ScheduleIn(BaseModel):
    """A weekly shift schedule in local wall-clock time (Asia/Tokyo unless told)."""

    tz: str = "Asia/Tokyo"
    windows: list[WindowIn] = Field(default_factory=list, max_length=100)
    holidays: list[date] = Field(default_factory=list, max_length=400)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, tz: str) -> str:
        WeeklySchedule(windows=(), tz=tz)  # raises ValueError for an unknown zone
        return tz

    def normalized(self) -> dict[str, Any]:
        """The schedule in `WeeklySchedule.to_dict` form."""
        return WeeklySchedule.from_dict(self.model_dump(mode="json")).to_dict()


class OperatorIn(BaseModel):
    username: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(min_length=1, max_length=200)
    role: Literal["operator", "supervisor", "admin"] = "operator"
    teams: list[Team] = Field(default_factory=list)
    languages: list[Language] = Field(default_factory=lambda: ["ja"])
    max_concurrent: int = Field(default=3, ge=0, le=20)
    schedule: ScheduleIn | None = None


class OperatorOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    teams: list[str]
    languages: list[str]
    max_concurrent: int
    presence: str
    active_conversations: int = 0
    connected: bool = False
    schedule: dict[str, Any] | None = None


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
        active_conversations=row.active_count or 0,
        connected=bool(row.connected),
        schedule=row.schedule,
    )


class OperatorListItem(OperatorOut):
    on_shift: bool
    load: float


class PresenceIn(BaseModel):
    status: Literal["available", "away", "offline"]


class ConnectionIn(BaseModel):
    connected: bool


class LoginIn(BaseModel):
    username: str
    password: str


class QueueItem(BaseModel):
    team: str
    language: str
    waiting: int
    longest_wait_s: float
    available_operators: int


class QueueEntry(BaseModel):
    conversation_id: str
    customer_id: str
    language: str
    position: int
    waited_s: float
    priority: int
    category: str | None
    security_incident: bool
    reason: str | None
    note: str | None
    estimated_wait_s: int | None
    opens_at: str | None
