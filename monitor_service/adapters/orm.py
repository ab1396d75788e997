"""monitor_service tables: read models built only from consumed events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    """A conversation as the event stream has shown it so far."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    # Time of the event that set `status`; NULL when only inferred (bot answer before open).
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    team: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[str | None] = mapped_column(String(64))
    queue_position: Mapped[int | None] = mapped_column(Integer)
    estimated_wait_s: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bot_answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bot_unanswered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_conversations_live", "status", "team", "language"),
        Index(
            "ix_conversations_assignee", "assignee_id", postgresql_where=text("status = 'assigned'")
        ),
        Index("ix_conversations_closed_at", "closed_at"),
    )


class OperatorRow(Base):
    """An operator's presence and, when routing tells us, capacity."""

    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    max_concurrent: Mapped[int | None] = mapped_column(Integer)


class TicketRow(Base):
    """A ticket's status and whether any SLA target was breached."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(30))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    team: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[str | None] = mapped_column(String(20))
    breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")

    __table_args__ = (Index("ix_tickets_status", "status"),)


class FactRow(Base):
    """One countable happening (arrival, wait, handle time, breach, bot answer, CSAT).

    The id is derived from what happened (e.g. `breach:<ticket>:<target>`), so a fact
    reported twice by different events is still counted once.
    """

    __tablename__ = "facts"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    team: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(100))
    value: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (Index("ix_facts_kind_at", "kind", "at"),)


class AlertRow(Base):
    """A watched condition: active until it clears, then kept with its clearing time."""

    __tablename__ = "alerts"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    severity: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
