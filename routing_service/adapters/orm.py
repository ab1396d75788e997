"""routing_service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text, func, text
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
    last_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Followed from the gateway: whether a staff socket is open, and since when none is.
    connected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    disconnected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RoutedConversationRow(Base):
    """A conversation routing knows about: waiting in a queue, assigned, or closed."""

    __tablename__ = "routed_conversations"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    team: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str | None] = mapped_column(String(60))
    security: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(10))  # queued | assigned | closed
    # A conversation whose operator never answered goes back to the head of its queue.
    boosted: Mapped[bool] = mapped_column(Boolean, default=False)
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operator_id: Mapped[str | None] = mapped_column(String(36))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    avoid_operator_id: Mapped[str | None] = mapped_column(String(36))
    avoid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # The serving order of one queue, read by every dispatch decision.
        Index(
            "ix_routed_queue_order",
            "team",
            "language",
            text("security DESC"),
            text("boosted DESC"),
            text("priority DESC"),
            "enqueued_at",
            "conversation_id",
            postgresql_where=text("state = 'queued'"),
        ),
        Index(
            "ix_routed_unanswered",
            "assigned_at",
            postgresql_where=text("state = 'assigned' AND NOT answered"),
        ),
        Index("ix_routed_operator", "operator_id", postgresql_where=text("state = 'assigned'")),
    )


class QuoteRow(Base):
    """The position and wait last told to a waiting customer (kept apart so quoting never
    locks the queue entries a dispatcher is deciding on)."""

    __tablename__ = "queue_quotes"

    conversation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int | None] = mapped_column(Integer)
    estimated_wait_s: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HandleTimeRow(Base):
    """Measured mean handle time per team and language (language '' is the team's mean)."""

    __tablename__ = "handle_times"

    team: Mapped[str] = mapped_column(String(20), primary_key=True)
    language: Mapped[str] = mapped_column(String(10), primary_key=True)
    mean_s: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
