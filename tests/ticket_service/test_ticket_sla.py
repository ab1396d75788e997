"""SLA clock: policies, breaches once and on time, pauses, business hours, scheduler deadline."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.schedule import WeeklySchedule, Window
from ticket_service.domain.model import Ticket
from ticket_service.domain.sla import (
    ClockKind,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    TargetName,
    load_policy_table,
)

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)  # a Monday
JST = ZoneInfo("Asia/Tokyo")
OP = "operator:op-1"
MIN = timedelta(minutes=1)


def calendar(first: float, resolution: float, nxt: float = 30) -> SlaPolicy:
    return SlaPolicy(
        first_response=SlaTarget(first * 60),
        next_response=SlaTarget(nxt * 60),
        resolution=SlaTarget(resolution * 60),
    )


def ticket_with(
    policy: SlaPolicy,
    *,
    at: datetime = T0,
    team: str | None = None,
    hours: WeeklySchedule | None = None,
) -> Ticket:
    return Ticket.create(
        ticket_id="t-1",
        customer_id="c-1",
        at=at,
        actor="system",
        team=team,
        sla_policy=policy,
        hours=hours,
    )


def breach_events(ticket: Ticket) -> list[tuple[str, str]]:
    return [
        (e.data["target"], e.data["due_at"])
        for e in ticket.events
        if e.type == "ticket.sla_breached"
    ]


def test_default_table_has_urgent_security_on_the_wall_clock_and_normal_tier1_in_hours() -> None:
    table = load_policy_table()
    urgent = table.policy_for(team="security", priority="urgent")
    assert urgent.first_response == SlaTarget(5 * 60, ClockKind.CALENDAR)
    assert urgent.resolution == SlaTarget(4 * 3600, ClockKind.CALENDAR)
    normal = table.policy_for(team="tier1", priority="normal")
    assert normal.first_response == SlaTarget(15 * 60, ClockKind.BUSINESS)
    assert normal.resolution == SlaTarget(24 * 3600, ClockKind.BUSINESS)


def test_overrides_replace_a_teams_policy_and_leave_the_rest_alone() -> None:
    fast = {"first_response": {"minutes": 2, "clock": "calendar"}}
    table = load_policy_table(overrides={"teams": {"tier1": {"urgent": fast}}})
    assert table.policy_for(team="tier1", priority="urgent").first_response == SlaTarget(120)
    assert table.policy_for(team="tier1", priority="urgent").resolution is None
    assert table.policy_for(team="tier2", priority="urgent").first_response == SlaTarget(300)


def test_first_response_breaches_exactly_at_its_due_time_and_only_once() -> None:
    ticket = ticket_with(calendar(first=5, resolution=240))
    assert ticket.next_due_at(T0) == T0 + 5 * MIN
    assert ticket.check_sla(now=T0 + 5 * MIN - timedelta(seconds=1)) == []
    breaches = ticket.check_sla(now=T0 + 5 * MIN)
    assert [b.target for b in breaches] == [TargetName.FIRST_RESPONSE]
    assert ticket.check_sla(now=T0 + 6 * MIN) == []
    assert breach_events(ticket) == [("first_response", (T0 + 5 * MIN).isoformat())]
    assert ticket.sla_view()["breached"] is True
    # The breached target no longer wakes the scheduler; the resolution target does.
    assert ticket.next_due_at(T0 + 6 * MIN) == T0 + 240 * MIN


def test_a_reply_in_time_meets_the_first_response_and_nothing_breaches() -> None:
    ticket = ticket_with(calendar(first=5, resolution=240))
    ticket.record_operator_reply(at=T0 + 4 * MIN)
    assert ticket.check_sla(now=T0 + 10 * MIN) == []
    assert ticket.next_due_at(T0 + 10 * MIN) == T0 + 240 * MIN


def test_a_late_reply_reports_the_breach_the_scheduler_had_not_seen_yet() -> None:
    ticket = ticket_with(calendar(first=5, resolution=240))
    ticket.record_operator_reply(at=T0 + 7 * MIN)
    assert breach_events(ticket) == [("first_response", (T0 + 5 * MIN).isoformat())]
    assert ticket.check_sla(now=T0 + 8 * MIN) == []


def test_the_clock_pauses_while_pending_customer_and_that_time_does_not_count() -> None:
    ticket = ticket_with(calendar(first=5, resolution=30, nxt=120))
    ticket.record_operator_reply(at=T0 + 2 * MIN)
    ticket.change_status("pending_customer", actor=OP, at=T0 + 10 * MIN)
    assert ticket.sla is not None and ticket.sla.is_paused
    assert ticket.next_due_at(T0 + 20 * MIN) is None
    # Without the pause the 30 minutes would have run out at +30.
    assert ticket.check_sla(now=T0 + 39 * MIN) == []
    ticket.record_customer_message(at=T0 + 40 * MIN)  # back to open after 30 paused minutes
    assert ticket.sla.due_at(TargetName.RESOLUTION) == T0 + 60 * MIN
    assert ticket.next_due_at(T0 + 40 * MIN) == T0 + 60 * MIN
    assert ticket.check_sla(now=T0 + 59 * MIN) == []
    assert [b.target for b in ticket.check_sla(now=T0 + 60 * MIN)] == [TargetName.RESOLUTION]


def test_resolving_in_time_stops_the_resolution_clock_and_a_reopen_continues_it() -> None:
    ticket = ticket_with(calendar(first=5, resolution=60))
    ticket.record_operator_reply(at=T0 + 1 * MIN)
    ticket.change_status("resolved", actor=OP, at=T0 + 50 * MIN)
    assert ticket.next_due_at(T0 + 50 * MIN) is None
    ticket.change_status("open", actor=OP, at=T0 + 5 * 60 * MIN)
    assert ticket.sla is not None
    assert ticket.sla.due_at(TargetName.RESOLUTION) == T0 + (5 * 60 + 10) * MIN


def test_each_next_response_round_can_breach_once() -> None:
    ticket = ticket_with(calendar(first=5, resolution=600, nxt=10))
    ticket.record_operator_reply(at=T0 + 1 * MIN)
    ticket.record_customer_message(at=T0 + 2 * MIN)
    ticket.record_customer_message(at=T0 + 5 * MIN)  # same round: the wait began at +2
    assert ticket.next_due_at(T0 + 5 * MIN) == T0 + 12 * MIN
    assert [b.target for b in ticket.check_sla(now=T0 + 12 * MIN)] == [TargetName.NEXT_RESPONSE]
    assert ticket.check_sla(now=T0 + 13 * MIN) == []
    ticket.record_operator_reply(at=T0 + 14 * MIN)
    ticket.record_customer_message(at=T0 + 20 * MIN)
    breaches = ticket.check_sla(now=T0 + 30 * MIN)
    assert [(b.target, b.cycle) for b in breaches] == [(TargetName.NEXT_RESPONSE, 2)]


def test_messages_before_the_first_reply_are_covered_by_the_first_response_target() -> None:
    ticket = ticket_with(calendar(first=5, resolution=600, nxt=1))
    ticket.record_customer_message(at=T0 + 1 * MIN)
    assert ticket.sla is not None and ticket.sla.due_at(TargetName.NEXT_RESPONSE) is None


def test_raising_the_priority_reapplies_the_policy_keeping_elapsed_time() -> None:
    ticket = ticket_with(calendar(first=60, resolution=600))
    ticket.set_priority("urgent", actor=OP, at=T0 + 3 * MIN)
    ticket.apply_sla_policy(calendar(first=5, resolution=240), at=T0 + 3 * MIN)
    assert ticket.next_due_at(T0 + 3 * MIN) == T0 + 5 * MIN


def test_switching_policy_after_the_new_target_passed_reports_the_breach_on_the_next_check() -> (
    None
):
    ticket = ticket_with(calendar(first=60, resolution=600))
    ticket.apply_sla_policy(calendar(first=5, resolution=240), at=T0 + 20 * MIN)
    assert ticket.next_due_at(T0 + 20 * MIN) == T0 + 20 * MIN  # never in the past
    assert [b.target for b in ticket.check_sla(now=T0 + 20 * MIN)] == [TargetName.FIRST_RESPONSE]


def test_closing_stops_every_target() -> None:
    ticket = ticket_with(calendar(first=5, resolution=60))
    ticket.change_status("closed", actor=OP, at=T0 + 1 * MIN)
    assert ticket.next_due_at(T0 + 1 * MIN) is None
    assert ticket.check_sla(now=T0 + 600 * MIN) == []


def weekdays_9_to_18() -> WeeklySchedule:
    return WeeklySchedule(windows=tuple(Window(d, time(9), time(18)) for d in range(5)))


def test_a_friday_evening_ticket_on_business_hours_is_due_on_monday() -> None:
    friday_evening = datetime(2025, 3, 7, 17, 50, tzinfo=JST)
    policy = load_policy_table().policy_for(team="tier1", priority="normal")
    ticket = ticket_with(policy, at=friday_evening, team="tier1", hours=weekdays_9_to_18())
    assert ticket.sla is not None
    first_due = ticket.sla.due_at(TargetName.FIRST_RESPONSE)
    assert first_due == datetime(2025, 3, 10, 9, 5, tzinfo=JST)  # 10 min Fri + 5 min Mon
    # 24 open hours: 10 min Friday, 9 h Monday, 9 h Tuesday, 5 h 50 min Wednesday.
    assert ticket.sla.due_at(TargetName.RESOLUTION) == datetime(2025, 3, 12, 14, 50, tzinfo=JST)
    saturday = datetime(2025, 3, 8, 12, 0, tzinfo=JST)
    assert ticket.check_sla(now=saturday) == []
    assert ticket.next_due_at(saturday) == first_due
    assert [b.target for b in ticket.check_sla(now=first_due)] == [TargetName.FIRST_RESPONSE]


def test_a_pause_across_the_weekend_counts_only_open_time_outside_it() -> None:
    friday = datetime(2025, 3, 7, 17, 0, tzinfo=JST)
    clock = SlaClock(
        policy=SlaPolicy(resolution=SlaTarget(2 * 3600, ClockKind.BUSINESS)),
        started_at=friday,
        hours=weekdays_9_to_18(),
    )
    clock.pause(at=friday + timedelta(minutes=30))
    clock.resume(at=datetime(2025, 3, 10, 10, 0, tzinfo=JST))  # Monday 10:00
    # 30 min counted Friday; the remaining 90 min from Monday 10:00.
    assert clock.due_at(TargetName.RESOLUTION) == datetime(2025, 3, 10, 11, 30, tzinfo=JST)
