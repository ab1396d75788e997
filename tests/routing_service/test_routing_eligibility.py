"""Tests for whether an operator may take a conversation, criterion by criterion."""

from dataclasses import replace
from datetime import UTC, datetime, time

from routing_service.domain import (
    Ineligibility,
    Operator,
    Presence,
    QueuedConversation,
    Team,
    is_eligible,
)
from shared.schedule import WeeklySchedule, Window

# Monday 2026-03-09 10:00 JST.
NOW = datetime(2026, 3, 9, 1, tzinfo=UTC)
NINE_TO_SIX = WeeklySchedule(
    windows=tuple(Window(weekday=d, start=time(9), end=time(18)) for d in range(5))
)
NIGHTS = WeeklySchedule(
    windows=tuple(Window(weekday=d, start=time(22), end=time(7)) for d in range(7))
)

ALICE = Operator(
    id="alice",
    teams=frozenset({Team.TIER1, Team.TIER2}),
    languages=frozenset({"ja", "en"}),
    max_concurrent=2,
    presence=Presence.AVAILABLE,
    schedule=NINE_TO_SIX,
)
CHAT = QueuedConversation(id="c1", team=Team.TIER1, language="ja", enqueued_at=NOW)


def test_an_available_on_shift_skilled_operator_with_capacity_is_eligible() -> None:
    verdict = is_eligible(operator=ALICE, conversation=CHAT, now=NOW)
    assert verdict.eligible
    assert verdict.reason is None
    assert verdict


def test_is_not_eligible_when_away_or_offline() -> None:
    for presence in (Presence.AWAY, Presence.OFFLINE):
        operator = replace(ALICE, presence=presence)
        verdict = is_eligible(operator=operator, conversation=CHAT, now=NOW)
        assert verdict.reason is Ineligibility.NOT_AVAILABLE


def test_is_not_eligible_outside_the_shift_schedule() -> None:
    operator = replace(ALICE, schedule=NIGHTS)
    assert is_eligible(operator=operator, conversation=CHAT, now=NOW).reason is (
        Ineligibility.OFF_SHIFT
    )


def test_an_operator_without_schedule_is_on_shift_whenever_available() -> None:
    operator = replace(ALICE, schedule=None)
    late_sunday = datetime(2026, 3, 8, 17, tzinfo=UTC)  # Monday 02:00 JST
    assert is_eligible(operator=operator, conversation=CHAT, now=late_sunday)


def test_is_not_eligible_for_a_team_they_are_not_in() -> None:
    tax_chat = replace(CHAT, team=Team.TAX)
    assert is_eligible(operator=ALICE, conversation=tax_chat, now=NOW).reason is (
        Ineligibility.NOT_IN_TEAM
    )


def test_is_not_eligible_for_a_language_they_do_not_speak() -> None:
    korean = replace(CHAT, language="ko")
    assert is_eligible(operator=ALICE, conversation=korean, now=NOW).reason is (
        Ineligibility.LANGUAGE
    )


def test_matches_languages_on_the_primary_subtag() -> None:
    assert is_eligible(operator=ALICE, conversation=replace(CHAT, language="ja-JP"), now=NOW)


def test_is_not_eligible_at_full_capacity() -> None:
    busy = replace(ALICE, active_count=2)
    assert is_eligible(operator=busy, conversation=CHAT, now=NOW).reason is (
        Ineligibility.AT_CAPACITY
    )


def test_lists_every_failed_criterion_for_the_ui() -> None:
    operator = replace(ALICE, presence=Presence.AWAY, schedule=NIGHTS, active_count=2)
    verdict = is_eligible(operator=operator, conversation=replace(CHAT, team=Team.LEGAL), now=NOW)
    assert verdict.reasons == (
        Ineligibility.NOT_AVAILABLE,
        Ineligibility.OFF_SHIFT,
        Ineligibility.NOT_IN_TEAM,
        Ineligibility.AT_CAPACITY,
    )
