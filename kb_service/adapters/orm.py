"""kb_service tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class ArticleRow(Base):
    """A published FAQ article in one language; the bot answers from these."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_articles_key_language"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    team: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ExampleRow(Base):
    """An example question an article answers."""

    __tablename__ = "examples"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)


class EmbeddingRow(Base):
    """A cached sentence embedding by `text_key`, so a restart never re-embeds."""

    __tablename__ = "embeddings"

    text_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class KbStateRow(Base):
    """One row: the knowledge base version every replica's engine follows."""

    __tablename__ = "kb_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FeedbackRow(Base):
    """A customer's "did this help?" on one bot answer."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    article_id: Mapped[str | None] = mapped_column(String(36))
    key: Mapped[str | None] = mapped_column(String(100), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConversationRow(Base):
    """What kb knows of a conversation, from chat.events: enough to answer, assist and learn."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    assignee_id: Mapped[str | None] = mapped_column(String(36))
    bot_answered: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    suggestions: Mapped[list[dict[str, object]]] = mapped_column(JSONB, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConversationMessageRow(Base):
    """A customer or operator message (already redacted by chat) of a followed conversation."""

    __tablename__ = "conversation_messages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    author_type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_conversation_messages_conv_seq", "conversation_id", "seq"),)


class UnansweredRow(Base):
    """A customer question the bot could not answer, for the supervisors' report."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40))
    confidence: Mapped[float] = mapped_column(Float)
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    # Its universal sentence vector, taken when it is recorded, so that the report need not
    # embed thousands of questions again on every request.
    meaning: Mapped[bytes | None] = mapped_column(LargeBinary)


class DraftRow(Base):
    """An FAQ article proposed from a resolved inquiry; the bot ignores it until published."""

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    team: Mapped[str] = mapped_column(String(20))
    examples: Mapped[list[str]] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    article_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IncidentRow(Base):
    """An exchange-wide incident from ticket.events; the bot mentions active ones."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
