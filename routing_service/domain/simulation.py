"""A simulated day at the desk, to measure how far quoted ETAs are from the waits customers get.

Discrete events: Poisson arrivals at a rate that changes by the hour, lognormal (or
exponential) handle times, operators on shifts with several chats each. Routing and quotes
use the real `choose_operator` and `quote_wait` (and so `estimate_wait`); handle-time means
are learned during the day by `HandleTimeEstimator`, starting from a deliberately off prior.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from routing_service.domain.dispatch import choose_operator, queue_key
from routing_service.domain.eta import HandleTimeEstimator
from routing_service.domain.model import Operator, Presence, QueuedConversation, Team
from routing_service.domain.quote import quote_wait
from shared.schedule import WeeklySchedule, Window

# Conversations per hour, JST: quiet nights, a late-morning peak, a bigger evening one
# when retail traders are home.
DEFAULT_HOURLY_ARRIVALS: tuple[float, ...] = (
    10, 7, 5, 4, 4, 5, 8, 13, 21, 29, 34, 34, 31, 31, 29, 29, 26, 26, 29, 34, 36, 34, 23, 16,
)  # fmt: skip


def _daily(*spans: tuple[int, int]) -> WeeklySchedule:
    """The same shift (one or more windows, whole hours) every day of the week."""
    return WeeklySchedule(
        windows=tuple(
            Window(weekday=d, start=time(start), end=time(end % 24))
            for d in range(7)
            for start, end in spans
        )
    )


def default_roster() -> tuple[Operator, ...]:
    """Six tier-1 Japanese-speaking operators covering the day in overlapping shifts."""

    def op(op_id: str, concurrency: int, schedule: WeeklySchedule) -> Operator:
        return Operator(
            id=op_id,
            teams=frozenset({Team.TIER1}),
            languages=frozenset({"ja"}),
            max_concurrent=concurrency,
            presence=Presence.AVAILABLE,
            schedule=schedule,
        )

    return (
        op("night-1", 3, _daily((22, 7))),
        op("early-1", 2, _daily((7, 16))),
        op("early-2", 3, _daily((7, 16))),
        op("late-1", 2, _daily((13, 22))),
        op("late-2", 3, _daily((13, 22))),
        op("split-1", 2, _daily((10, 14), (18, 22))),
    )


@dataclass(frozen=True)
class SimulationReport:
    """Quoted-versus-actual wait errors over one simulated day (seconds)."""

    n: int  # customers served
    n_queued: int  # of those, quoted a non-zero wait or actually waiting
    median_abs_error_s: float
    p90_abs_error_s: float
    mean_error_s: float  # quoted minus actual: > 0 means quotes run pessimistic
    queued_median_abs_error_s: float
    queued_p90_abs_error_s: float
    naive_queued_median_abs_error_s: float  # "position × handle time", for comparison
    mean_wait_s: float
    p90_wait_s: float
    unquoted: int  # customers told "unknown" (nobody could be expected)
    unserved: int  # still waiting when the simulation ran out of shifts


@dataclass(frozen=True)
class _Arrival:
    at_s: float
    handle_s: float
    priority: int


def _arrivals(
    rng: np.random.Generator,
    hourly: Sequence[float],
    mean_handle_s: float,
    handle_sigma: float | None,
    priority_share: float,
) -> list[_Arrival]:
    """Piecewise-constant Poisson arrivals, each with its handle time drawn up front."""
    times: list[float] = []
    for hour, rate in enumerate(hourly):
        count = int(rng.poisson(rate))
        times.extend(rng.uniform(hour * 3600.0, (hour + 1) * 3600.0, count).tolist())
    times.sort()
    if handle_sigma is None:
        handles = rng.exponential(mean_handle_s, len(times))
    else:
        # Choose mu so that the lognormal's mean is mean_handle_s.
        mu = math.log(mean_handle_s) - handle_sigma**2 / 2
        handles = rng.lognormal(mu, handle_sigma, len(times))
    urgent = rng.random(len(times)) < priority_share
    return [
        _Arrival(at_s=t, handle_s=float(h), priority=int(u))
        for t, h, u in zip(times, handles, urgent, strict=True)
    ]


def simulate_day(
    *,
    seed: int = 20260309,
    day: date = date(2026, 3, 9),
    operators: Sequence[Operator] | None = None,
    hourly_arrivals: Sequence[float] = DEFAULT_HOURLY_ARRIVALS,
    mean_handle_s: float = 600.0,
    handle_sigma: float | None = 0.6,
    prior_handle_s: float = 420.0,
    priority_share: float = 0.05,
    tz: str = "Asia/Tokyo",
) -> SimulationReport:
    """Run one day and compare each customer's ETA quoted at enqueue with their real wait."""
    rng = np.random.default_rng(seed)
    roster = {op.id: op for op in (operators if operators is not None else default_roster())}
    arrivals = _arrivals(rng, hourly_arrivals, mean_handle_s, handle_sigma, priority_share)
    start = datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
    estimator = HandleTimeEstimator(prior_s=prior_handle_s)

    def at(seconds: float) -> datetime:
        return start + timedelta(seconds=seconds)

    # (time, sequence, kind, index): kinds are "arrive", "done" (index = arrival) and
    # "shift" (a shift starts: queued customers may now be served).
    events: list[tuple[float, int, str, int, str]] = []
    seq = 0

    def push(t: float, kind: str, index: int = -1, op_id: str = "") -> None:
        nonlocal seq
        heapq.heappush(events, (t, seq, kind, index, op_id))
        seq += 1

    for i, arrival in enumerate(arrivals):
        push(arrival.at_s, "arrive", i)
    horizon = at(2 * 86400.0)
    for op in roster.values():
        cursor: datetime | None = start
        while op.schedule is not None and cursor is not None and cursor < horizon:
            opens = op.schedule.next_open(cursor)
            if opens is None or opens >= horizon:
                break
            push((opens - start).total_seconds(), "shift")
            cursor = op.schedule.next_close(opens)

    queue: dict[str, QueuedConversation] = {}
    quoted: dict[int, tuple[float | None, int]] = {}
    waited: dict[int, float] = {}

    def dispatch(now_s: float) -> None:
        while queue:
            head = min(queue.values(), key=queue_key)
            chosen = choose_operator(conversation=head, operators=roster.values(), now=at(now_s))
            if chosen is None:
                return
            del queue[head.id]
            roster[chosen.id] = replace(
                chosen, active_count=chosen.active_count + 1, last_assigned_at=at(now_s)
            )
            index = int(head.id)
            waited[index] = now_s - arrivals[index].at_s
            push(now_s + arrivals[index].handle_s, "done", index, chosen.id)

    while events:
        now_s, _, kind, index, op_id = heapq.heappop(events)
        if kind == "arrive":
            conversation = QueuedConversation(
                id=str(index),
                team=Team.TIER1,
                language="ja",
                enqueued_at=at(now_s),
                priority=arrivals[index].priority,
            )
            queue[conversation.id] = conversation
            quote = quote_wait(
                conversation=conversation,
                queue=queue.values(),
                operators=list(roster.values()),
                handle_times=estimator,
                now=at(now_s),
            )
            quoted[index] = (quote.estimated_wait_s, quote.position)
        elif kind == "done":
            op = roster[op_id]
            roster[op_id] = replace(op, active_count=op.active_count - 1)
            estimator.observe(team=Team.TIER1, language="ja", handle_s=arrivals[index].handle_s)
        dispatch(now_s)

    return _report(quoted=quoted, waited=waited, aht_s=mean_handle_s)


def _report(
    *, quoted: dict[int, tuple[float | None, int]], waited: dict[int, float], aht_s: float
) -> SimulationReport:
    """Summarise the errors of customers who were both quoted a number and served."""
    pairs = [(q, waited[i], pos) for i, (q, pos) in quoted.items() if q is not None and i in waited]
    quotes = np.array([q for q, _, _ in pairs], dtype=float)
    actual = np.array([w for _, w, _ in pairs], dtype=float)
    positions = np.array([p for _, _, p in pairs], dtype=float)
    errors = quotes - actual
    queued = (quotes > 0) | (actual > 0)

    def pct(values: np.ndarray, q: float) -> float:
        return float(np.percentile(values, q)) if values.size else 0.0

    return SimulationReport(
        n=len(pairs),
        n_queued=int(queued.sum()),
        median_abs_error_s=pct(np.abs(errors), 50),
        p90_abs_error_s=pct(np.abs(errors), 90),
        mean_error_s=float(errors.mean()) if errors.size else 0.0,
        queued_median_abs_error_s=pct(np.abs(errors[queued]), 50),
        queued_p90_abs_error_s=pct(np.abs(errors[queued]), 90),
        naive_queued_median_abs_error_s=pct(np.abs(positions * aht_s - actual)[queued], 50),
        mean_wait_s=float(actual.mean()) if actual.size else 0.0,
        p90_wait_s=pct(actual, 90),
        unquoted=sum(1 for q, _ in quoted.values() if q is None),
        unserved=len(quoted) - len(waited),
    )
