"""Ticket aggregate: lifecycle, audit trail, merge, notes and returning-customer linking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticket_service.domain.errors import IllegalTransition, InvalidMerge, InvalidValue, TicketClosed
from ticket_service.domain.model import Ticket, find_ticket_to_link
from ticket_service.domain.status import TRANSITIONS, Status

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
OP = "operator:op-1"


def new_ticket(ticket_id: str = "t-1", customer_id: str = "c-1", conv: str = "conv-1") -> Ticket:
    return Ticket.create(
        ticket_id=ticket_id, customer_id=customer_id, conversation_id=conv, at=T0, actor="system"
    )


def types(ticket: Ticket) -> list[str]:
    return [e.type for e in ticket.events]


def test_a_new_ticket_starts_new_and_records_ticket_created_with_contract_fields() -> None:
    ticket = new_ticket()
    assert ticket.status is Status.NEW
    assert ticket.events[0].type == "ticket.created"
    assert ticket.events[0].data == {
        "ticket_id": "t-1",
        "customer_id": "c-1",
        "conversation_id": "conv-1",
        "priority": "normal",
        "team": None,
    }


def test_walks_the_happy_path_from_new_to_closed() -> None:
    ticket = new_ticket()
    for i, status in enumerate(["open", "pending_customer", "open", "escalated", "resolved"]):
        ticket.change_status(status, actor=OP, at=T0 + timedelta(minutes=i + 1))
    ticket.change_status("closed", actor="system", at=T0 + timedelta(days=1))
    assert ticket.status is Status.CLOSED
    assert ticket.updated_at == T0 + timedelta(days=1)
    changes = [(e.data["old_status"], e.data["new_status"]) for e in ticket.events[1:]]
    assert changes[0] == ("new", "open") and changes[-1] == ("resolved", "closed")


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        (["open"], "closed"),
        (["open"], "new"),
        (["open", "resolved", "closed"], "open"),
        (["open", "resolved"], "pending_customer"),
        (["open", "pending_customer"], "pending_internal"),
    ],
)
def test_refuses_a_transition_that_is_not_in_the_table(path: list[str], illegal: str) -> None:
    ticket = new_ticket()
    for status in path:
        ticket.change_status(status, actor=OP, at=T0)
    before = len(ticket.audit)
    with pytest.raises(IllegalTransition) as raised:
        ticket.change_status(illegal, actor=OP, at=T0)
    assert raised.value.current == path[-1] and raised.value.requested == illegal
    assert len(ticket.audit) == before


def test_closed_is_terminal_and_nothing_returns_to_new() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert all(Status.NEW not in targets for targets in TRANSITIONS.values())


def test_changing_to_the_current_status_is_a_silent_no_op() -> None:
    ticket = new_ticket()
    ticket.change_status("open", actor=OP, at=T0)
    ticket.change_status("open", actor=OP, at=T0)
    assert types(ticket).count("ticket.status_changed") == 1


def test_an_unknown_status_priority_or_team_is_invalid_input() -> None:
    ticket = new_ticket()
    with pytest.raises(InvalidValue):
        ticket.change_status("archived", actor=OP, at=T0)
    with pytest.raises(InvalidValue):
        ticket.set_priority("critical", actor=OP, at=T0)
    with pytest.raises(InvalidValue):
        ticket.set_team("marketing", actor=OP, at=T0)


def test_every_change_leaves_an_audit_entry_with_actor_old_and_new() -> None:
    ticket = new_ticket()
    at = T0 + timedelta(minutes=5)
    ticket.assign("op-1", actor="routing", at=at)
    ticket.set_priority("high", actor=OP, at=at)
    ticket.set_category("withdrawal", actor=OP, at=at)
    ticket.set_team("tier2", actor=OP, at=at)
    ticket.change_status("open", actor=OP, at=at)
    trail = [(a.actor, a.field, a.old, a.new) for a in ticket.audit[1:]]
    assert trail == [
        ("routing", "assignee_id", None, "op-1"),
        (OP, "priority", "normal", "high"),
        (OP, "category", None, "withdrawal"),
        (OP, "team", None, "tier2"),
        (OP, "status", "new", "open"),
    ]
    assert "ticket.assigned" in types(ticket) and ticket.updated_at == at


def test_setting_a_field_to_its_current_value_records_nothing() -> None:
    ticket = new_ticket()
    ticket.set_priority("normal", actor=OP, at=T0)
    ticket.assign(None, actor=OP, at=T0)
    assert len(ticket.audit) == 1


def test_a_closed_ticket_cannot_be_edited_but_can_take_a_post_mortem_note() -> None:
    ticket = new_ticket()
    ticket.change_status("closed", actor=OP, at=T0)
    with pytest.raises(TicketClosed):
        ticket.assign("op-2", actor=OP, at=T0)
    with pytest.raises(TicketClosed):
        ticket.link_conversation("conv-9", actor=OP, at=T0)
    ticket.add_note("spam, closed", author=OP, at=T0)
    assert ticket.notes[0].body == "spam, closed"


def test_a_note_is_kept_internal_and_its_body_never_reaches_the_event() -> None:
    ticket = new_ticket()
    note = ticket.add_note("customer sounds like a phishing victim", author=OP, at=T0)
    event = ticket.events[-1]
    assert event.type == "ticket.note_added"
    assert event.data["note_id"] == note.id
    assert "phishing" not in str(event.data)


def test_an_empty_note_is_refused() -> None:
    with pytest.raises(InvalidValue):
        new_ticket().add_note("  ", author=OP, at=T0)


def test_merging_closes_the_duplicate_and_moves_its_conversations_to_the_survivor() -> None:
    survivor, duplicate = new_ticket("t-1", conv="conv-1"), new_ticket("t-2", conv="conv-2")
    duplicate.change_status("open", actor=OP, at=T0)
    duplicate.merge_into(survivor, actor=OP, at=T0 + timedelta(minutes=1))
    assert duplicate.status is Status.CLOSED and duplicate.merged_into == "t-1"
    assert survivor.conversation_ids == ["conv-1", "conv-2"]
    merged = duplicate.events[-1]
    assert merged.type == "ticket.merged"
    assert merged.data["survivor_id"] == "t-1" and merged.data["conversation_ids"] == ["conv-2"]
    assert any(a.field == "merged_from" and a.new == "t-2" for a in survivor.audit)


def test_refuses_to_merge_across_customers_into_itself_or_into_a_closed_ticket() -> None:
    ticket = new_ticket("t-1")
    with pytest.raises(InvalidMerge):
        ticket.merge_into(new_ticket("t-2", customer_id="c-2"), actor=OP, at=T0)
    with pytest.raises(InvalidMerge):
        ticket.merge_into(ticket, actor=OP, at=T0)
    closed = new_ticket("t-3")
    closed.change_status("closed", actor=OP, at=T0)
    with pytest.raises(TicketClosed):
        ticket.merge_into(closed, actor=OP, at=T0)
    assert ticket.status is Status.NEW


def test_a_returning_customer_joins_their_still_open_ticket() -> None:
    old, live = new_ticket("t-old"), new_ticket("t-live")
    old.change_status("resolved", actor=OP, at=T0)
    live.change_status("pending_customer", actor=OP, at=T0)
    chosen = find_ticket_to_link([old, live], T0 + timedelta(hours=1), window=timedelta(days=3))
    assert chosen is live


def test_a_ticket_resolved_within_the_window_is_reopened_by_the_new_conversation() -> None:
    ticket = new_ticket()
    ticket.change_status("resolved", actor=OP, at=T0)
    now = T0 + timedelta(days=2)
    chosen = find_ticket_to_link([ticket], now, window=timedelta(days=3))
    assert chosen is ticket
    ticket.link_conversation("conv-2", actor="system", at=now)
    assert ticket.status is Status.OPEN and ticket.conversation_ids == ["conv-1", "conv-2"]


def test_a_ticket_resolved_before_the_window_or_closed_gets_no_link() -> None:
    resolved, closed = new_ticket("t-1"), new_ticket("t-2")
    resolved.change_status("resolved", actor=OP, at=T0)
    closed.change_status("closed", actor=OP, at=T0)
    now = T0 + timedelta(days=4)
    assert find_ticket_to_link([resolved, closed], now, window=timedelta(days=3)) is None


def test_a_customer_reply_puts_a_ticket_waiting_on_them_back_to_open() -> None:
    ticket = new_ticket()
    ticket.change_status("pending_customer", actor=OP, at=T0)
    ticket.record_customer_message(at=T0 + timedelta(minutes=3))
    assert ticket.status is Status.OPEN
    assert ticket.audit[-1].actor == "customer:c-1"
