"""Pure metric rules: status precedence, Tokyo's day, operator load, bot containment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
LIVE_STATUSES = ("bot", "queued", "assigned")
TERMINAL_STATUS = "closed"
# Ticket statuses after which a ticket no longer counts as open.
TICKET_DONE = frozenset({"resolved", "closed"})
ONLINE_PRESENCE = frozenset({"available", "away"})


def tokyo_day_start(now: datetime) -> datetime:
    """Midnight of `now`'s day in Asia/Tokyo (the desk's business day), as an aware time."""
    local = now.astimezone(TOKYO)
    return datetime.combine(local.date(), time.min, tzinfo=TOKYO)


def supersedes(*, current: str | None, current_at: datetime | None, new: str, at: datetime) -> bool:
    """Whether an observed status replaces the one held.

    Events about one conversation come from several topics with no order between them,
    so the newest observation wins; `closed` is terminal; an inferred status (no time) yields.
    """
    if current is None:
        return True
    if current == TERMINAL_STATUS:
        return False
    if new == TERMINAL_STATUS:
        return True
    return current_at is None or at >= current_at


@dataclass(frozen=True)
class OperatorPresence:
    """One operator as the monitor sees them."""

    id: str
    status: str
    max_concurrent: int | None


@dataclass(frozen=True)
class OperatorLoad:
    """Who is online and how full their hands are."""

    online: int
    available: int
    busy: int
    active_conversations: int
    capacity: int
    occupancy: float
    # "capacity" when every available operator's max_concurrent is known, else
    # "busy_operators" (unknown capacity counts as one slot: busy or not) or "mixed".
    occupancy_basis: str


def operator_load(operators: Iterable[OperatorPresence], active: Mapping[str, int]) -> OperatorLoad:
    """Occupancy = conversations held by available operators / their capacity."""
    online = available = busy = used = capacity = 0
    known = unknown = 0
    for op in operators:
        held = active.get(op.id, 0)
        if held > 0:
            busy += 1
        if op.status in ONLINE_PRESENCE:
            online += 1
        if op.status != "available":
            continue
        available += 1
        if op.max_concurrent is not None and op.max_concurrent > 0:
            known += 1
            slots = op.max_concurrent
        else:
            unknown += 1
            slots = 1  # without a capacity an operator is simply busy or not
        capacity += slots
        used += min(held, slots)
    if capacity:
        occupancy = used / capacity
    else:
        occupancy = 1.0 if sum(active.values()) else 0.0
    basis = "busy_operators" if unknown and not known else "mixed" if unknown else "capacity"
    return OperatorLoad(
        online=online,
        available=available,
        busy=busy,
        active_conversations=sum(active.values()),
        capacity=capacity,
        occupancy=round(occupancy, 4),
        occupancy_basis=basis,
    )


def containment_rate(*, contained: int, handed_off: int) -> float | None:
    """Share of conversations that left the bot without a human; None before any did."""
    total = contained + handed_off
    return round(contained / total, 4) if total else None


def per_hour(count: int, *, window_s: float) -> float:
    """A count over a window, as a rate per hour."""
    return count * 3600.0 / window_s


def since(now: datetime, window_s: float) -> datetime:
    """The start of a trailing window."""
    return now - timedelta(seconds=window_s)
