"""ticket_service tables: tickets and their links, notes, audit, the 360 and proactive state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # Every list is newest first with (created_at, id) as the keyset cursor.
        Index("ix_tickets_created", "created_at", "id"),
        Index("ix_tickets_customer", "customer_id", "created_at", "id"),
        Index("ix_tickets_status", "status", "created_at", "id"),
        Index("ix_tickets_team_status", "team", "status", "created_at", "id"),
        Index("ix_tickets_assignee", "assignee_id", "created_at", "id"),
        Index(
            "ix_tickets_breached",
            "created_at",
            "id",
            postgresql_where=text("sla_breached"),
        ),
        # The SLA scheduler only ever reads rows whose deadline has come.
        Index(
            "ix_tickets_next_due", "next_due_at", postgresql_where=text("next_due_at IS NOT NULL")
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    category: Mapped[str | None] = mapped_column(String(50))
    team: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[str | None] = mapped_column(String(100))
    conversation_ids: Mapped[list[str]] = mapped_column(ARRAY(String(36)), default=list)
    merged_into: Mapped[str | None] = mapped_column(String(36))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_state: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    first_response_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    csat_score: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConversationLinkRow(Base):
    """Which ticket a conversation belongs to; an early assignment waits here for its ticket."""

    __tablename__ = "conversation_links"

    conversation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str | None] = mapped_column(String(36), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="bot")
    team: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(10))
    pending_assignee_id: Mapped[str | None] = mapped_column(String(100))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NoteRow(Base):
    __tablename__ = "ticket_notes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(36), index=True)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "ticket_audit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    ticket_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)


class CustomerContextRow(Base):
    """The customer 360 read model, one row per customer."""

    __tablename__ = "customer_contexts"

    customer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    csat: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    activity: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExchangeReplayRow(Base):
    """Until when the exchange stream counts as being replayed (one row, id "exchange"):
    while it is, time-based proactive rules wait (see `ProactiveService.tick`)."""

    __tablename__ = "exchange_replay"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProactiveCustomerRow(Base):
    """Per-customer proactive state; `next_check_at` lets the tick read only what is due."""

    __tablename__ = "proactive_customers"
    __table_args__ = (
        Index(
            "ix_proactive_next_check",
            "next_check_at",
            postgresql_where=text("next_check_at IS NOT NULL"),
        ),
    )

    customer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
