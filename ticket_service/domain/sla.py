"""SLA policies per team and priority, and the pausable clock that tracks one ticket's targets.

Targets are counted from an anchor (ticket start, or the customer message awaiting a reply)
in calendar time or in the team's business hours, minus the time the clock was paused
(`pending_customer`, `resolved`). The service keeps `next_deadline(now)` in an indexed
`next_due_at` column so its scheduler only loads tickets whose deadline has come.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ticket_service.domain.sla_policy import (
    DEFAULT_SLA_POLICIES,
    ClockKind,
    SlaPolicy,
    SlaPolicyTable,
    SlaTarget,
    TargetName,
    load_policy_table,
)

__all__ = [
    "DEFAULT_SLA_POLICIES",
    "BusinessHours",
    "ClockKind",
    "SlaBreach",
    "SlaClock",
    "SlaPolicy",
    "SlaPolicyTable",
    "SlaTarget",
    "TargetName",
    "load_policy_table",
]


class BusinessHours(Protocol):
    """The part of `shared.schedule.WeeklySchedule` the clock needs."""

    def add_open_seconds(self, start: datetime, seconds: float) -> datetime: ...

    def open_seconds_between(self, start: datetime, end: datetime) -> float: ...


@dataclass(frozen=True)
class SlaBreach:
    """A target that was missed; `cycle` numbers the next-response rounds (0 for the others)."""

    target: TargetName
    due_at: datetime
    cycle: int = 0

    @property
    def key(self) -> str:
        """Identity used to report each breach once."""
        return f"{self.target.value}:{self.cycle}"


Pause = tuple[datetime, datetime | None]


@dataclass
class SlaClock:
    """SLA state of one ticket. Mutators return breaches already due so none is hidden."""

    policy: SlaPolicy
    started_at: datetime
    hours: BusinessHours | None = None  # the team's schedule; not persisted with the clock
    pauses: list[Pause] = field(default_factory=list)
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    awaiting_reply_since: datetime | None = None
    cycle: int = 0
    stopped: bool = False
    breached: set[str] = field(default_factory=set)

    @property
    def is_paused(self) -> bool:
        """True while time does not count."""
        return bool(self.pauses) and self.pauses[-1][1] is None

    def pause(self, *, at: datetime) -> None:
        """Stop counting from `at` (idempotent)."""
        if not self.is_paused:
            self.pauses.append((at, None))

    def resume(self, *, at: datetime) -> None:
        """Count again from `at` (idempotent; a stopped clock stays stopped)."""
        if self.is_paused and not self.stopped:
            start, _ = self.pauses[-1]
            self.pauses[-1] = (start, max(at, start))

    def record_operator_reply(self, *, at: datetime) -> list[SlaBreach]:
        """An operator answered: meets the first response, closes any next-response round."""
        found = self.breaches(at)
        if self.first_response_at is None:
            self.first_response_at = at
        self.awaiting_reply_since = None
        return found

    def record_customer_message(self, *, at: datetime) -> None:
        """A customer wrote: after the first response this opens a next-response round."""
        # Before the first response, the first-response target already covers the wait.
        if self.first_response_at is not None and self.awaiting_reply_since is None:
            self.awaiting_reply_since = at
            self.cycle += 1

    def resolve(self, *, at: datetime) -> list[SlaBreach]:
        """The ticket is resolved: meets the resolution target and stops the clock."""
        found = self.breaches(at)
        self.resolved_at = at
        self.awaiting_reply_since = None
        self.pause(at=at)
        return found

    def reopen(self, *, at: datetime) -> None:
        """The ticket is reopened: resolution counts again, minus the time it was resolved."""
        self.resolved_at = None
        self.resume(at=at)

    def stop(self, *, at: datetime) -> list[SlaBreach]:
        """The ticket is closed: nothing counts any more."""
        found = self.breaches(at)
        self.pause(at=at)
        self.stopped = True
        return found

    def apply_policy(self, policy: SlaPolicy, *, at: datetime) -> list[SlaBreach]:
        """Switch to another policy (priority or team changed), keeping elapsed time."""
        found = self.breaches(at)
        self.policy = policy
        return found

    def due_at(self, target: TargetName) -> datetime | None:
        """When `target` is due, or None if it has no anchor or the clock is paused before it."""
        for name, anchor, _met, _cycle in self._targets():
            if name is target:
                spec = self.policy.target(name)
                return None if spec is None or anchor is None else self._due(anchor, spec)
        return None

    def breaches(self, now: datetime) -> list[SlaBreach]:
        """Targets newly missed by `now`; each is reported once and remembered."""
        found: list[SlaBreach] = []
        for name, anchor, met, cycle in self._targets():
            spec = self.policy.target(name)
            key = f"{name.value}:{cycle}"
            if spec is None or anchor is None or key in self.breached:
                continue
            due = self._due(anchor, spec)
            if due is None or due > now or (met is not None and met <= due):
                continue
            self.breached.add(key)
            found.append(SlaBreach(target=name, due_at=due, cycle=cycle))
        return found

    def next_deadline(self, now: datetime) -> datetime | None:
        """When the scheduler must next look at this clock (never before `now`), or None."""
        if self.stopped:
            return None
        dues = []
        for name, anchor, met, cycle in self._targets():
            spec = self.policy.target(name)
            if spec is None or anchor is None or met is not None:
                continue
            if f"{name.value}:{cycle}" in self.breached:
                continue
            due = self._due(anchor, spec)
            if due is not None:
                dues.append(due)
        return max(min(dues), now) if dues else None

    @property
    def is_breached(self) -> bool:
        """True once any target was missed."""
        return bool(self.breached)

    def _targets(self) -> Iterator[tuple[TargetName, datetime | None, datetime | None, int]]:
        yield TargetName.FIRST_RESPONSE, self.started_at, self.first_response_at, 0
        yield TargetName.NEXT_RESPONSE, self.awaiting_reply_since, None, self.cycle
        yield TargetName.RESOLUTION, self.started_at, self.resolved_at, 0

    def _due(self, anchor: datetime, spec: SlaTarget) -> datetime | None:
        remaining = spec.seconds
        cursor = anchor
        for start, end in self.pauses:
            if end is not None and end <= cursor:
                continue
            if start > cursor:
                counted = self._counted(cursor, start, spec)
                if counted >= remaining:
                    return self._advance(cursor, remaining, spec)
                remaining -= counted
            if end is None:
                return None
            cursor = max(cursor, end)
        return self._advance(cursor, remaining, spec)

    def _counted(self, start: datetime, end: datetime, spec: SlaTarget) -> float:
        if spec.clock is ClockKind.BUSINESS and self.hours is not None:
            return self.hours.open_seconds_between(start, end)
        return (end - start).total_seconds()

    def _advance(self, start: datetime, seconds: float, spec: SlaTarget) -> datetime:
        if spec.clock is ClockKind.BUSINESS and self.hours is not None:
            return self.hours.add_open_seconds(start, seconds)
        return start + timedelta(seconds=seconds)
