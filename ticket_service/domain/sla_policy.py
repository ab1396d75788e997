"""SLA targets and policies per team and priority, with the default table as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TargetName(StrEnum):
    """The three SLA targets."""

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockKind(StrEnum):
    """Whether a target counts every second or only the team's open hours."""

    CALENDAR = "calendar"
    BUSINESS = "business"


@dataclass(frozen=True)
class SlaTarget:
    """One target: how much counted time is allowed, and how it is counted."""

    seconds: float
    clock: ClockKind = ClockKind.CALENDAR

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaTarget:
        """Build from `{"minutes": 15, "clock": "business"}`."""
        return cls(
            seconds=float(data["minutes"]) * 60, clock=ClockKind(data.get("clock", "calendar"))
        )

    def to_dict(self) -> dict[str, Any]:
        """Inverse of `from_dict`."""
        return {"minutes": self.seconds / 60, "clock": self.clock.value}


@dataclass(frozen=True)
class SlaPolicy:
    """The targets that apply to one ticket; a missing target is never breached."""

    first_response: SlaTarget | None = None
    next_response: SlaTarget | None = None
    resolution: SlaTarget | None = None

    def target(self, name: TargetName) -> SlaTarget | None:
        """The target called `name`, if the policy sets one."""
        found: SlaTarget | None = getattr(self, name.value)
        return found

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """Build from `{"first_response": {...}, "next_response": {...}, "resolution": {...}}`."""
        targets = {
            n.value: SlaTarget.from_dict(data[n.value]) for n in TargetName if n.value in data
        }
        return cls(**targets)

    def to_dict(self) -> dict[str, Any]:
        """Inverse of `from_dict`."""
        return {n.value: t.to_dict() for n in TargetName if (t := self.target(n)) is not None}


def _p(first: int, nxt: int, resolution: int, clock: str) -> dict[str, Any]:
    return {
        "first_response": {"minutes": first, "clock": clock},
        "next_response": {"minutes": nxt, "clock": clock},
        "resolution": {"minutes": resolution, "clock": clock},
    }


# Minutes. Urgent work runs on the wall clock everywhere; security also treats "high" as a
# wall-clock matter (account takeover does not wait for Monday); tax and legal need more time.
DEFAULT_SLA_POLICIES: dict[str, Any] = {
    "default": {
        "urgent": _p(5, 10, 4 * 60, "calendar"),
        "high": _p(10, 30, 8 * 60, "business"),
        "normal": _p(15, 60, 24 * 60, "business"),
        "low": _p(60, 4 * 60, 72 * 60, "business"),
    },
    "teams": {
        "security": {"high": _p(5, 15, 8 * 60, "calendar")},
        "tax": {
            "normal": _p(15, 120, 72 * 60, "business"),
            "low": _p(60, 480, 120 * 60, "business"),
        },
        "legal": {
            "normal": _p(15, 120, 72 * 60, "business"),
            "low": _p(60, 480, 120 * 60, "business"),
        },
    },
}


@dataclass(frozen=True)
class SlaPolicyTable:
    """Policies by priority, with per-team overrides of whole (team, priority) policies."""

    default: Mapping[str, SlaPolicy]
    teams: Mapping[str, Mapping[str, SlaPolicy]] = field(default_factory=dict)

    def policy_for(self, *, team: str | None, priority: str) -> SlaPolicy:
        """The team's policy for `priority`, else the default one, else no targets."""
        by_team = self.teams.get(team or "", {})
        return by_team.get(priority) or self.default.get(priority) or SlaPolicy()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlaPolicyTable:
        """Build from the shape of `DEFAULT_SLA_POLICIES`."""
        default = {p: SlaPolicy.from_dict(d) for p, d in data.get("default", {}).items()}
        teams = {
            t: {p: SlaPolicy.from_dict(d) for p, d in by_p.items()}
            for t, by_p in data.get("teams", {}).items()
        }
        return cls(default=default, teams=teams)


def load_policy_table(*, overrides: Mapping[str, Any] | None = None) -> SlaPolicyTable:
    """The default table with `overrides` (same shape) replacing whole (team, priority) policies."""
    merged: dict[str, Any] = {
        "default": dict(DEFAULT_SLA_POLICIES["default"]),
        "teams": {t: dict(p) for t, p in DEFAULT_SLA_POLICIES["teams"].items()},
    }
    if overrides:
        merged["default"].update(overrides.get("default", {}))
        for team, by_priority in overrides.get("teams", {}).items():
            merged["teams"].setdefault(team, {}).update(by_priority)
    return SlaPolicyTable.from_dict(merged)
