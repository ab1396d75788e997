"""Tests for weekly opening windows, holidays and open-time arithmetic."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.schedule import WeeklySchedule, Window

TOKYO = ZoneInfo("Asia/Tokyo")


def jst(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def business_hours(holidays: frozenset[date] = frozenset()) -> WeeklySchedule:
    windows = tuple(Window(weekday=d, start=time(9), end=time(18)) for d in range(5))
    return WeeklySchedule(windows=windows, holidays=holidays)


# 2026-03-06 is a Friday, 2026-03-09 the following Monday.


def test_two_open_hours_from_friday_1700_end_on_monday_at_1000() -> None:
    deadline = business_hours().add_open_seconds(jst(2026, 3, 6, 17), 2 * 3600)
    assert deadline == jst(2026, 3, 9, 10)


def test_a_deadline_landing_exactly_on_closing_time_stays_on_that_day() -> None:
    deadline = business_hours().add_open_seconds(jst(2026, 3, 6, 16), 2 * 3600)
    assert deadline == jst(2026, 3, 6, 18)


def test_counts_open_seconds_only_inside_business_hours() -> None:
    schedule = business_hours()
    assert schedule.open_seconds_between(jst(2026, 3, 6, 17), jst(2026, 3, 9, 10)) == 7200
    assert schedule.open_seconds_between(jst(2026, 3, 9, 10), jst(2026, 3, 6, 17)) == 0


def test_is_closed_at_the_weekend_and_next_opens_on_monday_morning() -> None:
    schedule = business_hours()
    saturday = jst(2026, 3, 7, 12)
    assert not schedule.is_open(saturday)
    assert schedule.next_open(saturday) == jst(2026, 3, 9, 9)
    assert schedule.next_close(saturday) == saturday


def test_windows_are_open_at_start_and_closed_at_end() -> None:
    schedule = business_hours()
    assert schedule.is_open(jst(2026, 3, 6, 9))
    assert not schedule.is_open(jst(2026, 3, 6, 18))
    assert schedule.next_close(jst(2026, 3, 6, 9)) == jst(2026, 3, 6, 18)


def test_accepts_utc_instants_and_compares_them_in_local_time() -> None:
    # 00:30 UTC is 09:30 in Tokyo.
    assert business_hours().is_open(datetime(2026, 3, 6, 0, 30, tzinfo=UTC))


def test_a_night_shift_crosses_midnight_into_the_next_day() -> None:
    night = WeeklySchedule(windows=(Window(weekday=4, start=time(22), end=time(6)),))
    assert night.is_open(jst(2026, 3, 6, 23))
    assert night.is_open(jst(2026, 3, 7, 5, 59))  # Saturday morning, started on Friday
    assert not night.is_open(jst(2026, 3, 7, 6))
    assert not night.is_open(jst(2026, 3, 7, 23))  # no Saturday window
    assert night.next_close(jst(2026, 3, 7, 1)) == jst(2026, 3, 7, 6)
    assert night.add_open_seconds(jst(2026, 3, 6, 12), 3600) == jst(2026, 3, 6, 23)


def test_a_holiday_keeps_windows_starting_that_day_closed() -> None:
    schedule = business_hours(holidays=frozenset({date(2026, 3, 9)}))
    assert not schedule.is_open(jst(2026, 3, 9, 10))
    assert schedule.next_open(jst(2026, 3, 7)) == jst(2026, 3, 10, 9)
    assert schedule.add_open_seconds(jst(2026, 3, 6, 17), 2 * 3600) == jst(2026, 3, 10, 10)


def test_a_night_shift_starting_before_a_holiday_still_runs_into_it() -> None:
    night = WeeklySchedule(
        windows=(Window(weekday=4, start=time(22), end=time(6)),),
        holidays=frozenset({date(2026, 3, 7)}),
    )
    assert night.is_open(jst(2026, 3, 7, 2))


def test_a_split_shift_is_closed_between_its_parts() -> None:
    split = WeeklySchedule(
        windows=(
            Window(weekday=0, start=time(8), end=time(12)),
            Window(weekday=0, start=time(16), end=time(20)),
        )
    )
    assert split.is_open(jst(2026, 3, 9, 11))
    assert not split.is_open(jst(2026, 3, 9, 13))
    assert split.next_open(jst(2026, 3, 9, 13)) == jst(2026, 3, 9, 16)
    assert split.next_close(jst(2026, 3, 9, 9)) == jst(2026, 3, 9, 12)
    assert split.add_open_seconds(jst(2026, 3, 9, 11), 2 * 3600) == jst(2026, 3, 9, 17)


def test_adjacent_windows_merge_into_one_opening() -> None:
    schedule = WeeklySchedule(
        windows=(
            Window(weekday=0, start=time(9), end=time(12)),
            Window(weekday=0, start=time(12), end=time(18)),
        )
    )
    assert schedule.next_close(jst(2026, 3, 9, 10)) == jst(2026, 3, 9, 18)


def test_always_is_open_and_never_closes() -> None:
    always = WeeklySchedule.always()
    at = jst(2026, 3, 7, 3)
    assert always.is_open(at)
    assert always.next_close(at) is None
    assert always.add_open_seconds(at, 86400 * 10) == at + timedelta(days=10)


def test_always_with_a_holiday_closes_that_day_only() -> None:
    schedule = WeeklySchedule(
        windows=WeeklySchedule.always().windows, holidays=frozenset({date(2026, 12, 31)})
    )
    assert schedule.next_close(jst(2026, 12, 1)) == jst(2026, 12, 31)
    assert schedule.next_open(jst(2026, 12, 31, 12)) == jst(2027, 1, 1)


def test_an_empty_schedule_never_opens() -> None:
    empty = WeeklySchedule(windows=())
    assert empty.next_open(jst(2026, 3, 9)) is None
    assert not empty.is_open(jst(2026, 3, 9))
    with pytest.raises(ValueError):
        empty.add_open_seconds(jst(2026, 3, 9), 1)


def test_uses_local_wall_clock_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Sunday 2026-03-29 clocks go 02:00 -> 03:00: a 00:00-06:00 window lasts five hours.
    schedule = WeeklySchedule(
        windows=(
            Window(weekday=6, start=time(0), end=time(6)),
            Window(weekday=0, start=time(9), end=time(17)),
        ),
        tz="Europe/Berlin",
    )
    sunday = datetime(2026, 3, 29, tzinfo=berlin)
    assert schedule.open_seconds_between(sunday, sunday + timedelta(days=1)) == 5 * 3600
    # Monday 09:00 is 07:00 UTC after the change (08:00 UTC the week before).
    assert schedule.next_open(sunday + timedelta(hours=12)) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert schedule.next_open(datetime(2026, 3, 22, 12, tzinfo=UTC)) == datetime(
        2026, 3, 23, 8, tzinfo=UTC
    )


def test_round_trips_through_its_json_shape() -> None:
    schedule = WeeklySchedule(
        windows=(Window(weekday=0, start=time(9), end=time(18)),),
        holidays=frozenset({date(2026, 12, 31)}),
    )
    data = schedule.to_dict()
    assert data == {
        "tz": "Asia/Tokyo",
        "windows": [{"weekday": 0, "start": "09:00", "end": "18:00"}],
        "holidays": ["2026-12-31"],
    }
    assert WeeklySchedule.from_dict(data) == schedule


def test_rejects_bad_weekdays_zones_and_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        Window(weekday=7, start=time(9), end=time(18))
    with pytest.raises(ValueError):
        WeeklySchedule(windows=(), tz="Mars/Olympus")
    with pytest.raises(ValueError):
        business_hours().is_open(datetime(2026, 3, 9, 10))


@settings(max_examples=200, deadline=None)
@given(
    offset_min=st.integers(min_value=0, max_value=14 * 24 * 60),
    seconds=st.integers(min_value=1, max_value=5 * 86400),
)
def test_open_time_until_a_deadline_equals_the_seconds_added(offset_min: int, seconds: int) -> None:
    schedule = WeeklySchedule(
        windows=(
            Window(weekday=0, start=time(9), end=time(18)),
            Window(weekday=2, start=time(22), end=time(6)),
            Window(weekday=4, start=time(8), end=time(12)),
            Window(weekday=4, start=time(13), end=time(17)),
        ),
        holidays=frozenset({date(2026, 3, 11)}),
    )
    start = jst(2026, 3, 2) + timedelta(minutes=offset_min)
    deadline = schedule.add_open_seconds(start, seconds)
    assert schedule.open_seconds_between(start, deadline) == pytest.approx(seconds)
    assert schedule.is_open(deadline - timedelta(seconds=0.5))
