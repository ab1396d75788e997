"""Tests for the simulated day that measures ETA accuracy."""

import math

from routing_service.domain.simulation import simulate_day


def test_a_simulated_day_returns_a_finite_eta_error_for_every_served_customer() -> None:
    report = simulate_day(seed=7)
    assert report.n > 200
    assert report.unserved == 0 and report.unquoted == 0
    for value in (report.median_abs_error_s, report.p90_abs_error_s, report.mean_error_s):
        assert math.isfinite(value)
    assert report.p90_abs_error_s >= report.median_abs_error_s >= 0


def test_the_queueing_model_beats_position_times_handle_time() -> None:
    report = simulate_day(seed=7)
    assert report.n_queued > 0
    assert report.queued_median_abs_error_s < report.naive_queued_median_abs_error_s


def test_the_same_seed_gives_the_same_day() -> None:
    assert simulate_day(seed=11) == simulate_day(seed=11)
