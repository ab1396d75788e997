"""Tests for the queueing-model ETA, handle-time means and the customer's wait quote."""

import math
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest

from routing_service.domain import (
    HandleTimeEstimator,
    Operator,
    Presence,
    QueuedConversation,
    Team,
    estimate_wait,
)
from routing_service.domain.quote import quote_wait
from shared.schedule import WeeklySchedule, Window


def test_a_queued_customer_waits_for_k_departures_from_the_busy_pool() -> None:
    # 2 operators × 3 chats = 6 slots, each finishing every 600 s: a departure every 100 s.
    wait = estimate_wait(position=3, staffed_agents=2, mean_handle_s=600, concurrency=3)
    assert wait == pytest.approx(300.0)


def test_eta_grows_with_queue_position() -> None:
    waits = [
        estimate_wait(position=k, staffed_agents=3, mean_handle_s=480, concurrency=2)
        for k in range(1, 6)
    ]
    assert all(a is not None and b is not None and a < b for a, b in pairwise(waits))


def test_eta_falls_as_more_operators_are_staffed() -> None:
    waits = [
        estimate_wait(position=4, staffed_agents=n, mean_handle_s=480, concurrency=2)
        for n in range(1, 6)
    ]
    assert all(a is not None and b is not None and a > b for a, b in pairwise(waits))


def test_free_slots_serve_the_first_customers_at_once() -> None:
    assert estimate_wait(position=2, staffed_agents=4, mean_handle_s=600, busy_slots=2) == 0
    wait = estimate_wait(position=4, staffed_agents=4, mean_handle_s=600, busy_slots=2)
    assert wait == pytest.approx(2 * 600 / 4)


def test_weights_the_wait_by_the_erlang_c_chance_that_all_slots_are_busy() -> None:
    busy = estimate_wait(position=1, staffed_agents=11, mean_handle_s=360)
    # 100 arrivals/h × 360 s = 10 erlangs on 11 agents: P(wait) ≈ 0.682.
    blended = estimate_wait(position=1, staffed_agents=11, mean_handle_s=360, arrivals_per_hour=100)
    assert busy is not None and blended is not None
    assert blended / busy == pytest.approx(0.6821, abs=1e-3)


def test_has_no_eta_when_nobody_is_staffed() -> None:
    assert estimate_wait(position=1, staffed_agents=0, mean_handle_s=600) is None


def test_handle_time_starts_at_the_prior_and_moves_towards_measurements() -> None:
    estimator = HandleTimeEstimator(prior_s=600)
    assert estimator.mean(team=Team.TIER1, language="ja") == 600
    for _ in range(200):
        estimator.observe(team=Team.TIER1, language="ja", handle_s=300)
    assert estimator.mean(team=Team.TIER1, language="ja-JP") == pytest.approx(300, abs=1)
    assert estimator.count(team=Team.TIER1, language="ja") == 200


def test_one_measurement_does_not_overturn_the_prior() -> None:
    estimator = HandleTimeEstimator(prior_s=600, prior_weight=5)
    estimator.observe(team=Team.TAX, language="en", handle_s=60)
    assert estimator.mean(team=Team.TAX, language="en") == pytest.approx(600 - 540 / 6)


def test_an_unseen_language_borrows_its_teams_mean() -> None:
    estimator = HandleTimeEstimator(prior_s=600, team_priors={Team.LEGAL: 1800})
    assert estimator.mean(team=Team.LEGAL, language="ja") == 1800
    for _ in range(50):
        estimator.observe(team=Team.TIER2, language="ja", handle_s=900)
    assert estimator.mean(team=Team.TIER2, language="en") == pytest.approx(
        estimator.mean(team=Team.TIER2, language="ja")
    )


def test_caps_absurd_handle_times() -> None:
    estimator = HandleTimeEstimator(prior_s=600, alpha=1.0, max_handle_s=3600)
    estimator.observe(team=Team.TIER1, language="ja", handle_s=86400)
    assert estimator.mean(team=Team.TIER1, language="ja") == 3600


def test_quotes_the_next_shift_start_plus_the_queue_when_the_team_is_closed() -> None:
    saturday = datetime(2026, 3, 14, 3, tzinfo=UTC)  # Saturday 12:00 JST
    weekdays = WeeklySchedule(
        windows=tuple(Window(weekday=d, start=time(9), end=time(18)) for d in range(5))
    )
    ops = [
        Operator(
            id=f"op{i}",
            teams=frozenset({Team.TIER1}),
            languages=frozenset({"ja"}),
            max_concurrent=2,
            presence=Presence.OFFLINE,
            schedule=weekdays,
        )
        for i in range(2)
    ]
    queue = [
        QueuedConversation(
            id=f"c{i}", team=Team.TIER1, language="ja", enqueued_at=saturday - timedelta(hours=i)
        )
        for i in range(6)
    ]
    quote = quote_wait(
        conversation=queue[0],
        queue=queue,
        operators=ops,
        handle_times=HandleTimeEstimator(prior_s=600),
        now=saturday,
    )
    monday_nine = datetime(2026, 3, 16, 0, tzinfo=UTC)
    assert quote.position == 6
    assert quote.opens_at == monday_nine
    # 4 slots free at opening take positions 1-4; the 6th waits for 2 departures of 150 s.
    assert quote.estimated_wait_s is not None
    assert math.isclose(quote.estimated_wait_s, (monday_nine - saturday).total_seconds() + 300)
