"""routing_service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class OperatorRow(Base):
    """A staff account: operators, supervisors and admins alike."""

    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    teams: Mapped[list[str]] = mapped_column(ARRAY(String(20)), default=list)
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(10)), default=list)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=3)
    presence: Mapped[str] = mapped_column(String(20), default="offline")
    schedule: Mapped[dict[str, object] | None] = mapped_column(JSONB)
    active_count: Mapped[int] = mapped_column(Integer, default=0)
    idle_since: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
