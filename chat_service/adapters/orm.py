"""chat_service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(10))
    team: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(50))
    assignee_id: Mapped[str | None] = mapped_column(String(100), index=True)
    queue_position: Mapped[int | None] = mapped_column(Integer)
    estimated_wait_s: Mapped[int | None] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opens_at: Mapped[str | None] = mapped_column(String(40))
    # What the bot last answered with, for feedback and a handoff to the right team.
    bot_article_id: Mapped[str | None] = mapped_column(String(64))
    bot_key: Mapped[str | None] = mapped_column(String(100))
    # The customer pasted a wallet secret: a security hint that raises the priority.
    security_hint: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    customer_read_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    operator_read_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "author_id", "client_msg_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column(Integer)
    author_type: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[str | None] = mapped_column(String(100))
    client_msg_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    redacted_kinds: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProactiveContactRow(Base):
    """One cause the desk has already acted on, so a repeat of it reaches nobody twice."""

    __tablename__ = "proactive_contacts"

    dedupe_key: Mapped[str] = mapped_column(Text, primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(30))
    customer_id: Mapped[str] = mapped_column(String(100), index=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SendAllowanceRow(Base):
    """A customer's message bucket (see `domain.rate_limit`): tokens left as of `updated_at`."""

    __tablename__ = "send_allowances"

    author_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
