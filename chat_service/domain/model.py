"""Conversation rules: which status changes are legal, who may see what, how urgent it is."""

from __future__ import annotations

from typing import Literal

from chat_service.domain.errors import IllegalTransition
from shared.auth import Actor

# bot -> queued -> assigned -> closed, re-queued on escalation, transfer or timeout.
TRANSITIONS: dict[str, frozenset[str]] = {
    "bot": frozenset({"queued", "closed"}),
    "queued": frozenset({"queued", "assigned", "closed"}),
    "assigned": frozenset({"queued", "assigned", "closed"}),
    "closed": frozenset(),
}
TEAMS = ("tier1", "tier2", "tax", "legal", "system", "security")
DEFAULT_TEAM = "tier1"
# Masked kinds that mean a wallet may be compromised: the queue should see it first.
SECURITY_KINDS = frozenset({"seed_phrase", "private_key", "api_secret"})
PRIORITY_NORMAL = 0
PRIORITY_SECURITY = 10


def check_transition(current: str, target: str) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed."""
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"a {current} conversation cannot become {target}")


def can_see(actor: Actor, *, customer_id: str, assignee_id: str | None) -> bool:
    """Customers see their own conversations, operators those assigned to them, leads all."""
    if actor.sees_everything:
        return True
    if actor.role == "customer":
        return actor.id == customer_id
    return assignee_id is not None and actor.id == assignee_id


def author_type_of(actor: Actor) -> str:
    """How a message by this actor is labelled."""
    return "customer" if actor.role == "customer" else "operator"


def priority_for(*, team: str | None, security_hint: bool) -> int:
    """Security cases (by the bot's team or a pasted wallet secret) go first."""
    if team == "security" or security_hint:
        return PRIORITY_SECURITY
    return PRIORITY_NORMAL


def language_of(language: str) -> Literal["ja", "en"]:
    """The system-message language: Japanese unless the conversation is in English."""
    return "en" if language.lower().startswith("en") else "ja"
