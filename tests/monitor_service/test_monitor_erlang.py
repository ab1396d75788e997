"""Tests for Erlang C staffing against textbook values and an independent computation."""

import math

import pytest

from monitor_service.domain import (
    Staffing,
    concurrency_adjusted_agents,
    erlang_c,
    mean_wait_s,
    occupancy,
    required_agents,
    service_level,
)


def erlang_c_by_factorials(agents: int, traffic: float) -> float:
    """The textbook formula, independent of the recursion under test (small N only)."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


def test_ten_erlangs_on_eleven_agents_wait_with_probability_0_682() -> None:
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert erlang_c(11, 10.0) == pytest.approx(erlang_c_by_factorials(11, 10.0), rel=1e-12)


@pytest.mark.parametrize(("agents", "traffic"), [(1, 0.5), (3, 2.2), (8, 7.9), (25, 17.3)])
def test_matches_the_factorial_formula_for_small_teams(agents: int, traffic: float) -> None:
    assert erlang_c(agents, traffic) == pytest.approx(erlang_c_by_factorials(agents, traffic))


def test_everyone_waits_when_agents_cannot_keep_up() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert service_level(agents=5, arrivals_per_hour=200, aht_s=180, target_s=20) == 0.0
    assert mean_wait_s(agents=10, arrivals_per_hour=200, aht_s=180) == math.inf


def test_staffs_the_textbook_call_centre_to_80_percent_in_20_seconds() -> None:
    # 100 contacts per 30 minutes, 3-minute handle time: 10 erlangs; 14 agents give 88.8%.
    staffing = required_agents(arrivals_per_hour=200, aht_s=180, target_sl=0.8, target_s=20)
    assert staffing.agents == 14
    assert staffing.service_level == pytest.approx(0.8884, abs=1e-3)
    assert staffing.occupancy == pytest.approx(10 / 14)
    assert staffing.wait_probability == pytest.approx(erlang_c_by_factorials(14, 10.0))
    assert staffing.mean_wait_s == pytest.approx(7.84, abs=0.01)
    assert service_level(agents=13, arrivals_per_hour=200, aht_s=180, target_s=20) < 0.8


def test_adds_agents_to_respect_an_occupancy_cap() -> None:
    staffing = required_agents(
        arrivals_per_hour=200, aht_s=180, target_sl=0.8, target_s=20, max_occupancy=0.65
    )
    assert staffing.agents == 16
    assert staffing.occupancy <= 0.65


def test_stays_finite_and_fast_for_very_large_traffic() -> None:
    staffing = required_agents(arrivals_per_hour=120_000, aht_s=300, target_sl=0.9, target_s=30)
    assert 10_000 < staffing.agents < 10_200
    assert 0 < staffing.wait_probability < 1
    assert math.isfinite(erlang_c(20_000, 19_500.0))


def test_needs_nobody_without_traffic() -> None:
    assert required_agents(arrivals_per_hour=0, aht_s=300, target_sl=0.8, target_s=20).agents == 0
    assert occupancy(agents=3, arrivals_per_hour=0, aht_s=300) == 0


def test_shares_erlang_slots_among_operators_who_hold_several_chats() -> None:
    staffing = Staffing(agents=14, service_level=0.9, occupancy=0.7, wait_probability=0.2)
    assert concurrency_adjusted_agents(staffing=staffing, concurrency=3) == 5
    assert concurrency_adjusted_agents(staffing=staffing, concurrency=1) == 14


def test_rejects_an_unreachable_service_level() -> None:
    with pytest.raises(ValueError):
        required_agents(arrivals_per_hour=100, aht_s=300, target_sl=1.0, target_s=20)
