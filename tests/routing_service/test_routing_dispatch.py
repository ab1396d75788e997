"""Tests for queue order, operator choice and when a team next opens."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from routing_service.domain import (
    Operator,
    Presence,
    QueuedConversation,
    SecurityCategory,
    Team,
    choose_operator,
    order_queue,
    queue_position,
    team_opens_at,
)
from shared.schedule import WeeklySchedule, Window

NOW = datetime(2026, 3, 9, 1, tzinfo=UTC)  # Monday 10:00 JST


def chat(
    conv_id: str, *, minutes_ago: int, priority: int = 0, **kwargs: object
) -> QueuedConversation:
    return QueuedConversation(
        id=conv_id,
        team=Team.TIER1,
        language="ja",
        enqueued_at=NOW - timedelta(minutes=minutes_ago),
        priority=priority,
        **kwargs,  # type: ignore[arg-type]
    )


def operator(op_id: str, **kwargs: object) -> Operator:
    base = Operator(
        id=op_id,
        teams=frozenset({Team.TIER1}),
        languages=frozenset({"ja"}),
        max_concurrent=3,
        presence=Presence.AVAILABLE,
    )
    return replace(base, **kwargs)  # type: ignore[arg-type]


def test_serves_security_incidents_before_everything_then_priority_then_longest_waiting() -> None:
    old = chat("old", minutes_ago=30)
    new = chat("new", minutes_ago=1)
    vip = chat("vip", minutes_ago=2, priority=5)
    takeover = chat("ato", minutes_ago=0, security_category=SecurityCategory.ACCOUNT_TAKEOVER)
    freeze = chat(
        "frz", minutes_ago=0, priority=-1, security_category=SecurityCategory.FREEZE_REQUEST
    )
    ordered = order_queue([new, old, freeze, vip, takeover])
    assert [c.id for c in ordered] == ["ato", "frz", "vip", "old", "new"]


def test_counts_queue_position_only_within_the_same_team_and_language() -> None:
    mine = chat("mine", minutes_ago=1)
    queue = [
        chat("ahead", minutes_ago=5),
        replace(chat("english", minutes_ago=9), language="en"),
        replace(chat("tax", minutes_ago=9), team=Team.TAX),
        chat("behind", minutes_ago=0),
        mine,
    ]
    assert queue_position(conversation=mine, queue=queue) == 2


def test_chooses_the_least_loaded_eligible_operator() -> None:
    busy = operator("busy", active_count=2)
    light = operator("light", active_count=1)
    wrong_team = operator("tax", teams=frozenset({Team.TAX}))
    chosen = choose_operator(
        conversation=chat("c", minutes_ago=1), operators=[busy, light, wrong_team], now=NOW
    )
    assert chosen is not None and chosen.id == "light"


def test_compares_load_as_a_share_of_capacity() -> None:
    one_of_two = operator("half", active_count=1, max_concurrent=2)
    one_of_four = operator("quarter", active_count=1, max_concurrent=4)
    chosen = choose_operator(
        conversation=chat("c", minutes_ago=1), operators=[one_of_two, one_of_four], now=NOW
    )
    assert chosen is not None and chosen.id == "quarter"


def test_breaks_load_ties_by_longest_idle_with_never_assigned_first() -> None:
    recent = operator("recent", last_assigned_at=NOW - timedelta(minutes=1))
    long_ago = operator("long_ago", last_assigned_at=NOW - timedelta(hours=1))
    never = operator("never")
    conv = chat("c", minutes_ago=1)
    assert choose_operator(conversation=conv, operators=[recent, long_ago, never], now=NOW) == never
    assert choose_operator(conversation=conv, operators=[recent, long_ago], now=NOW) == long_ago


def test_chooses_nobody_when_no_operator_is_eligible() -> None:
    full = operator("full", active_count=3)
    away = operator("away", presence=Presence.AWAY)
    assert (
        choose_operator(conversation=chat("c", minutes_ago=1), operators=[full, away], now=NOW)
        is None
    )


def weekdays(start: int, end: int) -> WeeklySchedule:
    return WeeklySchedule(
        windows=tuple(Window(weekday=d, start=time(start), end=time(end)) for d in range(5))
    )


def test_the_team_is_open_now_when_someone_is_on_shift() -> None:
    ops = [operator("a", schedule=weekdays(9, 18))]
    assert team_opens_at(operators=ops, team=Team.TIER1, language="ja", now=NOW) == NOW


def test_tells_the_earliest_next_shift_start_when_nobody_is_on_shift() -> None:
    saturday = datetime(2026, 3, 14, 3, tzinfo=UTC)  # Saturday 12:00 JST
    ops = [
        operator("early", schedule=weekdays(8, 17)),
        operator("late", schedule=weekdays(13, 22)),
        operator("tax", teams=frozenset({Team.TAX}), schedule=WeeklySchedule.always()),
        operator("english", languages=frozenset({"en"}), schedule=WeeklySchedule.always()),
    ]
    opens = team_opens_at(operators=ops, team=Team.TIER1, language="ja", now=saturday)
    assert opens == datetime(2026, 3, 15, 23, tzinfo=UTC)  # Monday 08:00 JST


def test_cannot_tell_when_the_team_opens_without_any_schedule() -> None:
    ops = [operator("unscheduled", presence=Presence.OFFLINE)]
    assert team_opens_at(operators=ops, team=Team.TIER1, language="ja", now=NOW) is None
