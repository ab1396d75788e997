"""Events kb_service publishes on `kb.events`."""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "kb.events"


class KbEvent(EventPayload):
    topic = TOPIC


class BotAnswered(KbEvent):
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
