"""The monitor's pure rules: status precedence, Tokyo's day, occupancy, alert raising."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor_service.domain.alerts import Observed, QueueWait, Thresholds, conditions, diff
from monitor_service.domain.metrics import (
    OperatorPresence,
    containment_rate,
    operator_load,
    supersedes,
    tokyo_day_start,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LIMITS = Thresholds(
    queue_wait_s=120, breach_spike_count=3, containment_below=0.5, containment_min_sample=10
)


def test_the_day_starts_at_midnight_in_tokyo_not_in_utc() -> None:
    # 15:30 UTC on 1 March is 00:30 on 2 March in Tokyo.
    start = tokyo_day_start(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    assert start.astimezone(UTC) == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


def test_an_older_status_does_not_overwrite_a_newer_one() -> None:
    later = T0 + timedelta(seconds=5)
    assert not supersedes(current="assigned", current_at=later, new="queued", at=T0)
    assert supersedes(current="queued", current_at=T0, new="assigned", at=later)


def test_a_closed_conversation_stays_closed() -> None:
    later = T0 + timedelta(hours=1)
    assert not supersedes(current="closed", current_at=T0, new="assigned", at=later)
    assert supersedes(current="assigned", current_at=later, new="closed", at=T0)


def test_occupancy_uses_capacity_when_routing_reports_it() -> None:
    ops = [OperatorPresence("a", "available", 3), OperatorPresence("b", "available", 1)]
    load = operator_load(ops, {"a": 2, "b": 1})
    assert (load.occupancy, load.capacity, load.busy, load.occupancy_basis) == (
        0.75,
        4,
        2,
        "capacity",
    )


def test_without_capacity_an_operator_counts_as_simply_busy_or_not() -> None:
    ops = [
        OperatorPresence("a", "available", None),
        OperatorPresence("b", "available", None),
        OperatorPresence("c", "away", None),
        OperatorPresence("d", "offline", None),
    ]
    load = operator_load(ops, {"a": 3})
    assert (load.online, load.available, load.busy, load.occupancy) == (3, 2, 1, 0.5)
    assert load.occupancy_basis == "busy_operators"


def test_nobody_available_with_chats_in_hand_is_full_occupancy() -> None:
    assert operator_load([OperatorPresence("a", "away", 2)], {"a": 1}).occupancy == 1.0
    assert operator_load([], {}).occupancy == 0.0


def test_containment_is_unknown_until_a_conversation_leaves_the_bot() -> None:
    assert containment_rate(contained=0, handed_off=0) is None
    assert containment_rate(contained=3, handed_off=1) == 0.75


def test_a_long_wait_raises_a_warning_and_twice_the_limit_is_critical() -> None:
    observed = Observed(
        queues=(
            QueueWait("tier1", "ja", 150),
            QueueWait("tax", "en", 300),
            QueueWait("tier2", "ja", 30),
        ),
        recent_breaches=0,
        recent_contained=0,
        recent_handed_off=0,
    )
    found = conditions(observed, LIMITS)
    assert {n: c.severity for n, c in found.items()} == {
        "queue_wait_long:tier1:ja": "warning",
        "queue_wait_long:tax:en": "critical",
    }


def test_low_containment_waits_for_a_meaningful_sample() -> None:
    few = Observed(queues=(), recent_breaches=0, recent_contained=0, recent_handed_off=9)
    many = Observed(queues=(), recent_breaches=3, recent_contained=2, recent_handed_off=9)
    assert conditions(few, LIMITS) == {}
    assert set(conditions(many, LIMITS)) == {"bot_containment_low", "sla_breach_spike"}


def test_a_holding_alert_is_raised_once_and_cleared_when_it_stops() -> None:
    observed = Observed(queues=(), recent_breaches=5, recent_contained=0, recent_handed_off=0)
    holding = conditions(observed, LIMITS)
    first = diff(active=[], holding=holding)
    again = diff(active=["sla_breach_spike"], holding=holding)
    gone = diff(active=["sla_breach_spike"], holding={})
    assert [c.name for c in first.raise_] == ["sla_breach_spike"]
    assert (again.raise_, again.clear) == ((), ())
    assert gone.clear == ("sla_breach_spike",)
