"""Events chat_service publishes on `chat.events`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from shared.contracts.envelope import EventPayload

TOPIC = "chat.events"

AuthorType = Literal["customer", "bot", "operator", "system"]
ConversationStatus = Literal["bot", "queued", "assigned", "closed"]


class MessageView(BaseModel):
    """A message as everyone but its redaction notice sees it."""

    id: str
    conversation_id: str
    seq: int
    author_type: AuthorType
    author_id: str | None
    text: str
    created_at: datetime
    # Only ever set on the author's own copy: what was masked in it and why, in their language.
    redaction_notice: str | None = None


class ConversationView(BaseModel):
    """A conversation's public state."""

    id: str
    customer_id: str
    status: ConversationStatus
    language: str
    team: str | None
    assignee_id: str | None
    queue_position: int | None = None
    estimated_wait_s: int | None = None
    created_at: datetime
    category: str | None = None
    priority: int = 0
    # When the conversation's team next opens, if nobody is on shift for it now (ISO 8601).
    opens_at: str | None = None
    closed_at: datetime | None = None
    customer_read_seq: int = 0
    operator_read_seq: int = 0
    csat_score: int | None = None


class ChatEvent(EventPayload):
    topic = TOPIC


class ConversationOpened(ChatEvent):
    event_type = "conversation.opened"
    conversation: ConversationView


class MessageCreated(ChatEvent):
    event_type = "message.created"
    conversation_id: str
    customer_id: str
    assignee_id: str | None
    status: ConversationStatus
    language: str
    message: MessageView
    redacted_kinds: list[str] = []
    # The author's note on what was masked; the gateway shows it to the customer only.
    redaction_notice: str | None = None


class ConversationUpdated(ChatEvent):
    event_type = "conversation.updated"
    conversation: ConversationView
    # Who held it before this change, so their view can drop a conversation moved away.
    previous_assignee_id: str | None = None
    change: str = "updated"


# The hand-off reason of a conversation the desk opened itself (proactive support).
PROACTIVE_REASON = "proactive"


class ConversationHandoffRequested(ChatEvent):
    event_type = "conversation.handoff_requested"
    conversation_id: str
    customer_id: str
    team: str
    language: str
    priority: int = 0
    category: str | None = None
    reason: str = "customer_request"


class ConversationEscalated(ChatEvent):
    event_type = "conversation.escalated"
    conversation_id: str
    customer_id: str
    from_team: str | None
    team: str
    language: str
    operator_id: str | None
    note: str | None = None


class ConversationTransferRequested(ChatEvent):
    event_type = "conversation.transfer_requested"
    conversation_id: str
    from_operator_id: str | None
    operator_id: str


class ConversationClosed(ChatEvent):
    event_type = "conversation.closed"
    conversation_id: str
    customer_id: str
    assignee_id: str | None
    team: str | None
    closed_by: str
    closed_by_role: str | None = None


class CsatSubmitted(ChatEvent):
    event_type = "csat.submitted"
    conversation_id: str
    customer_id: str
    assignee_id: str | None
    score: int
    comment: str | None = None


class TypingStarted(ChatEvent):
    event_type = "typing.started"
    conversation_id: str
    customer_id: str
    assignee_id: str | None
    author_type: AuthorType


class MessageRead(ChatEvent):
    event_type = "message.read"
    conversation_id: str
    customer_id: str
    assignee_id: str | None
    reader_type: Literal["customer", "operator"]
    reader_id: str
    seq: int


class BotFeedback(ChatEvent):
    event_type = "bot.feedback"
    conversation_id: str
    customer_id: str
    language: str
    article_id: str | None
    key: str | None
    helpful: bool
