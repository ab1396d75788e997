"""What the desk says when it speaks first, to which team's queue, and how urgently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chat_service.domain.model import PRIORITY_NORMAL, PRIORITY_SECURITY
from chat_service.domain.proactive import customer_text, handoff_priority, is_stale, team_for

MESSAGE = {"ja": "出金が遅れております。", "en": "Your withdrawal is delayed."}
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_speaks_the_language_of_the_customers_conversation() -> None:
    assert customer_text(MESSAGE, "ja") == MESSAGE["ja"]
    assert customer_text(MESSAGE, "en-GB") == MESSAGE["en"]


def test_reads_any_other_language_as_japanese() -> None:
    assert customer_text(MESSAGE, "fr") == MESSAGE["ja"]


def test_falls_back_to_the_other_language_when_the_rule_has_only_one() -> None:
    assert customer_text({"ja": "遅延しています。"}, "en") == "遅延しています。"
    assert customer_text({"en": "Delayed.", "ja": "  "}, "ja") == "Delayed."


def test_has_nothing_to_say_without_a_message() -> None:
    assert customer_text({}, "ja") is None
    assert customer_text({"ja": " ", "en": ""}, "en") is None


def test_keeps_the_rules_priority_so_the_ticket_keeps_it_too() -> None:
    assert handoff_priority(team="tier1", priority="normal") == PRIORITY_NORMAL
    assert handoff_priority(team="tier1", priority="high") == 1
    assert handoff_priority(team="tier1", priority="urgent") == 2
    assert handoff_priority(team="tier1", priority="low") == -1


def test_treats_an_unknown_priority_as_normal() -> None:
    assert handoff_priority(team="tier2", priority="whenever") == PRIORITY_NORMAL


def test_puts_a_security_contact_first_like_any_security_hand_off() -> None:
    assert handoff_priority(team="security", priority="normal") == PRIORITY_SECURITY
    assert handoff_priority(team="security", priority="low") == PRIORITY_SECURITY


def test_queues_for_tier1_when_the_rule_names_a_team_the_desk_lacks() -> None:
    assert team_for("system") == "system"
    assert team_for("wallet-ops") == "tier1"


def test_drops_a_contact_decided_too_long_ago() -> None:
    max_age = timedelta(hours=6)
    assert not is_stale(NOW - timedelta(minutes=5), NOW, max_age=max_age)
    assert is_stale(NOW - timedelta(hours=7), NOW, max_age=max_age)


def test_reads_a_time_without_a_zone_as_utc() -> None:
    naive = datetime(2026, 11, 28, 11, 0)
    assert not is_stale(naive, NOW, max_age=timedelta(hours=2))
    assert is_stale(naive, NOW, max_age=timedelta(minutes=30))
