"""The desk speaking first: what the customer reads, for which team, how urgently."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from chat_service.domain.model import (
    DEFAULT_TEAM,
    PRIORITY_NORMAL,
    TEAMS,
    language_of,
    priority_for,
)

OPEN_CONVERSATION = "open_conversation"
BOT_MESSAGE = "bot_message"

# Rule priorities as hand-off numbers. ticket_service reads a hand-off's number back into the
# ticket's priority (below 0 low, 0 normal, 1 high, 2 and up urgent), so these keep the
# priority the rule gave the ticket it opened.
URGENCY = {"low": -1, "normal": 0, "high": 1, "urgent": 2}


def team_for(team: str) -> str:
    """The rule's team, or tier 1 for a team this desk does not have."""
    return team if team in TEAMS else DEFAULT_TEAM


def handoff_priority(*, team: str, priority: str) -> int:
    """The rule's urgency, unless a hand-off to this team is more urgent anyway (security)."""
    level = URGENCY.get(priority, PRIORITY_NORMAL)
    by_team = priority_for(team=team, security_hint=False)
    return max(by_team, level) if by_team != PRIORITY_NORMAL else level


def customer_text(message: Mapping[str, str], language: str) -> str | None:
    """The message in the customer's language, else in the other one; None when there is none."""
    first = language_of(language)
    second = "en" if first == "ja" else "ja"
    for lang in (first, second):
        text = (message.get(lang) or "").strip()
        if text:
            return text
    return None


def is_stale(decided_at: datetime, now: datetime, *, max_age: timedelta) -> bool:
    """Whether a contact was decided too long ago to still be news to the customer."""
    if decided_at.tzinfo is None:
        decided_at = decided_at.replace(tzinfo=UTC)
    return now - decided_at > max_age
