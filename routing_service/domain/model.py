"""Routing's domain model: operators, teams, presence and queued conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from shared.schedule import WeeklySchedule


class Team(StrEnum):
    """The desk's teams: tiers and specialists."""

    TIER1 = "tier1"
    TIER2 = "tier2"
    TAX = "tax"
    LEGAL = "legal"
    SYSTEM = "system"
    SECURITY = "security"


class Presence(StrEnum):
    """What the operator says about themselves."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


class SecurityCategory(StrEnum):
    """Security incidents that jump every queue: money or accounts are at stake right now."""

    ACCOUNT_TAKEOVER = "account_takeover"
    FREEZE_REQUEST = "freeze_request"
    UNAUTHORIZED_WITHDRAWAL = "unauthorized_withdrawal"
    PHISHING = "phishing"


def primary_language(tag: str) -> str:
    """The primary subtag of a BCP-47 tag, lower-cased: `ja-JP` -> `ja`."""
    return tag.strip().replace("_", "-").split("-", 1)[0].lower()


@dataclass(frozen=True)
class Operator:
    """An operator as routing sees them; `schedule` None means on shift whenever available."""

    id: str
    teams: frozenset[Team]
    languages: frozenset[str]
    max_concurrent: int = 1
    presence: Presence = Presence.OFFLINE
    schedule: WeeklySchedule | None = None
    active_count: int = 0
    # "Idle" for a chat operator who holds several conversations at once is best read as
    # "longest since their last assignment": it spreads new work evenly at equal load.
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.max_concurrent < 0:
            raise ValueError("max_concurrent must be >= 0")
        if self.active_count < 0:
            raise ValueError("active_count must be >= 0")

    @property
    def load(self) -> float:
        """Share of the operator's capacity in use (1.0 when they take no conversations)."""
        if self.max_concurrent == 0:
            return 1.0
        return self.active_count / self.max_concurrent

    @property
    def spare_capacity(self) -> int:
        """How many more conversations the operator may take."""
        return max(0, self.max_concurrent - self.active_count)

    def is_on_shift(self, at: datetime) -> bool:
        """Within their schedule, or, with none, whenever they are available."""
        if self.schedule is None:
            return self.presence is Presence.AVAILABLE
        return self.schedule.is_open(at)

    def speaks(self, language: str) -> bool:
        """Whether the operator handles conversations in `language` (primary subtag match)."""
        wanted = primary_language(language)
        return any(primary_language(lang) == wanted for lang in self.languages)


@dataclass(frozen=True)
class QueuedConversation:
    """A conversation waiting for an operator of `team` who speaks `language`."""

    id: str
    team: Team
    language: str
    enqueued_at: datetime
    priority: int = 0  # higher is more urgent (e.g. large-balance customers)
    security_category: SecurityCategory | None = None

    @property
    def is_security_incident(self) -> bool:
        """Whether the conversation is a security incident that goes before everything."""
        return self.security_category is not None
