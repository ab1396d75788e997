"""Each team's business hours for SLA targets counted on the business clock."""

from __future__ import annotations

from datetime import time

from shared.schedule import WeeklySchedule, Window

_WEEKDAYS_9_TO_18 = WeeklySchedule(
    windows=tuple(Window(weekday=d, start=time(9, 0), end=time(18, 0)) for d in range(5)),
    tz="Asia/Tokyo",
)
_ALWAYS = WeeklySchedule.always()

# The chat desk runs 24/7 (tier1, tier2, security); specialists work JST office hours.
TEAM_HOURS: dict[str, WeeklySchedule] = {
    "tier1": _ALWAYS,
    "tier2": _ALWAYS,
    "security": _ALWAYS,
    "system": _WEEKDAYS_9_TO_18,
    "tax": _WEEKDAYS_9_TO_18,
    "legal": _WEEKDAYS_9_TO_18,
}


def hours_for(team: str | None) -> WeeklySchedule:
    """The team's hours; a ticket with no team yet counts on the 24/7 desk."""
    return TEAM_HOURS.get(team or "", _ALWAYS)
