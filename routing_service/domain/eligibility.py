"""Whether an operator may take a conversation now, and why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing_service.domain.model import Operator, Presence, QueuedConversation


class Ineligibility(StrEnum):
    """Why an operator cannot take a conversation."""

    NOT_AVAILABLE = "not_available"
    OFF_SHIFT = "off_shift"
    NOT_IN_TEAM = "not_in_team"
    LANGUAGE = "language_not_spoken"
    AT_CAPACITY = "at_capacity"


@dataclass(frozen=True)
class Eligibility:
    """The verdict with every failed criterion (empty when eligible), for the UI and logs."""

    reasons: tuple[Ineligibility, ...] = ()

    @property
    def eligible(self) -> bool:
        """True when no criterion failed."""
        return not self.reasons

    @property
    def reason(self) -> Ineligibility | None:
        """The first failed criterion, in the order presence, shift, team, language, capacity."""
        return self.reasons[0] if self.reasons else None

    def __bool__(self) -> bool:
        return self.eligible


def is_eligible(
    *, operator: Operator, conversation: QueuedConversation, now: datetime
) -> Eligibility:
    """Available, on shift, in the team, speaks the language and has spare capacity."""
    reasons: list[Ineligibility] = []
    if operator.presence is not Presence.AVAILABLE:
        reasons.append(Ineligibility.NOT_AVAILABLE)
    # Without a schedule "on shift" means "available", already checked above.
    if operator.schedule is not None and not operator.schedule.is_open(now):
        reasons.append(Ineligibility.OFF_SHIFT)
    if conversation.team not in operator.teams:
        reasons.append(Ineligibility.NOT_IN_TEAM)
    if not operator.speaks(conversation.language):
        reasons.append(Ineligibility.LANGUAGE)
    if operator.spare_capacity <= 0:
        reasons.append(Ineligibility.AT_CAPACITY)
    return Eligibility(reasons=tuple(reasons))
