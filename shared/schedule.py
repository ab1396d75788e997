"""Weekly opening windows in a time zone, with holidays: operator shifts and SLA business hours."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WeeklySchedule", "Window"]

# A span of open time in UTC; `end` None means it never closes.
_Span = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class Window:
    """One weekly opening; `end <= start` crosses midnight (`end == start` is a full 24 hours)."""

    weekday: int  # 0 = Monday, in the schedule's local time
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("window times are local wall-clock times without tzinfo")

    @property
    def crosses_midnight(self) -> bool:
        """Whether the window ends on the next local day."""
        return self.end <= self.start


@dataclass(frozen=True)
class WeeklySchedule:
    """Weekly windows in a zone; on a holiday, windows starting that local day don't open."""

    windows: tuple[Window, ...]
    tz: str = "Asia/Tokyo"
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc

    @classmethod
    def always(cls) -> WeeklySchedule:
        """A schedule that is open 24/7."""
        midnight = time(0, 0)
        return cls(windows=tuple(Window(weekday=d, start=midnight, end=midnight) for d in range(7)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WeeklySchedule:
        """Build from the JSON-friendly shape that `to_dict` produces."""
        windows = tuple(
            Window(
                weekday=int(w["weekday"]),
                start=time.fromisoformat(str(w["start"])),
                end=time.fromisoformat(str(w["end"])),
            )
            for w in data.get("windows", ())
        )
        holidays = frozenset(date.fromisoformat(str(d)) for d in data.get("holidays", ()))
        return cls(windows=windows, tz=str(data.get("tz", "Asia/Tokyo")), holidays=holidays)

    def to_dict(self) -> dict[str, Any]:
        """Serialise to `{"tz", "windows": [{"weekday", "start", "end"}], "holidays": [iso]}`."""
        return {
            "tz": self.tz,
            "windows": [
                {"weekday": w.weekday, "start": _hhmm(w.start), "end": _hhmm(w.end)}
                for w in self.windows
            ],
            "holidays": sorted(d.isoformat() for d in self.holidays),
        }

    def is_open(self, at: datetime) -> bool:
        """Whether the schedule is open at the aware instant `at` (windows are [start, end))."""
        return self.next_open(at) == at

    def next_open(self, at: datetime) -> datetime | None:
        """The first open instant at or after `at` (`at` itself if open); None if it never opens."""
        for start, end in self._spans(at):
            if end is None or end > at:
                return at if start <= at else start
        return None

    def next_close(self, at: datetime) -> datetime | None:
        """The first closed instant at or after `at` (`at` itself if closed); None if never."""
        for start, end in self._spans(at):
            if start > at:
                return at
            if end is None or end > at:
                return end
        return at

    def add_open_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of open time have elapsed since `start` (a deadline)."""
        _require_aware(start)
        if seconds <= 0:
            return start
        remaining = timedelta(seconds=seconds)
        for span_start, span_end in self._spans(start):
            if span_end is not None and span_end <= start:
                continue
            begin = max(span_start, start)
            if span_end is None or span_end - begin >= remaining:
                return begin + remaining
            remaining -= span_end - begin
        raise ValueError("the schedule never opens, so no open time can elapse")

    def open_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds of open time in [start, end); 0 when end is not after start."""
        _require_aware(end)
        total = timedelta(0)
        if end <= start:
            return 0.0
        for span_start, span_end in self._spans(start):
            if span_start >= end:
                break
            lo = max(span_start, start)
            hi = end if span_end is None else min(span_end, end)
            if hi > lo:
                total += hi - lo
        return total.total_seconds()

    def _spans(self, at: datetime) -> Iterator[_Span]:
        """Merged open spans (UTC) in time order, from the first that may contain `at`."""
        _require_aware(at)
        if not self.windows:
            return
        zone = ZoneInfo(self.tz)
        by_day: dict[int, list[Window]] = {}
        for w in self.windows:
            by_day.setdefault(w.weekday, []).append(w)
        # A window lasts at most a day (25 h across DST), so one that covers `at` began
        # at most two local days earlier.
        day = at.astimezone(zone).date() - timedelta(days=2)
        last_holiday = max(self.holidays, default=day)
        cur: tuple[datetime, datetime] | None = None
        while True:
            todays = sorted(
                _to_span(day=day, window=w, zone=zone) for w in by_day.get(day.weekday(), [])
            )
            if day in self.holidays:
                todays = []
            for s, e in todays:
                if cur is None:
                    cur = (s, e)
                elif s <= cur[1]:
                    cur = (cur[0], max(cur[1], e))
                else:
                    yield cur
                    cur = (s, e)
            day += timedelta(days=1)
            # Past the last holiday the pattern repeats weekly, so a span that has stayed
            # unbroken for over a week (and reaches the day ahead) never closes.
            if cur is not None and day > last_holiday + timedelta(days=1):
                week_ago = _local_midnight(day - timedelta(days=8), zone)
                if cur[0] <= week_ago and cur[1] >= _local_midnight(day, zone):
                    yield (cur[0], None)
                    return


def _to_span(*, day: date, window: Window, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC interval of `window` opening on local `day`."""
    start = datetime.combine(day, window.start, tzinfo=zone)
    end_day = day + timedelta(days=1) if window.crosses_midnight else day
    end = datetime.combine(end_day, window.end, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of `day` as a UTC instant."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def _hhmm(t: time) -> str:
    """`HH:MM`, or `HH:MM:SS` when seconds are set."""
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def _require_aware(at: datetime) -> None:
    """Reject naive datetimes, whose instant is ambiguous."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
