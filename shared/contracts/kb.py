"""Events kb_service publishes on `kb.events`."""

from __future__ import annotations

from pydantic import BaseModel

from shared.contracts.envelope import EventPayload

TOPIC = "kb.events"


class KbEvent(EventPayload):
    topic = TOPIC


class BotAnswered(KbEvent):
    """The bot's verdict on one customer message: an answer, or a hand-off (key null)."""

    event_type = "bot.answered"
    conversation_id: str
    message_id: str
    answered: bool
    key: str | None
    article_id: str | None
    confidence: float
    text: str | None
    category: str | None
    team: str | None
    language: str
    reason: str | None = None
    # The article's language when it differs from the customer's (no article in theirs).
    fallback_language: str | None = None


class Suggestion(BaseModel):
    """One article offered to an operator for the conversation in front of them."""

    article_id: str
    key: str
    title: str
    score: float
    text: str


class AssistSuggested(KbEvent):
    """Top articles for a conversation's latest customer messages, for its assignee only."""

    event_type = "assist.suggested"
    conversation_id: str
    assignee_id: str
    suggestions: list[Suggestion]
