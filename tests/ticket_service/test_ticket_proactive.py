"""Proactive rules: each fires once per cause, for the right customer, at the right time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ticket_service.domain.exchange import ExchangeEvent
from ticket_service.domain.proactive import (
    ActionKind,
    ProactiveEngine,
    ProactiveState,
    load_rules,
)

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def event(kind: str, at: datetime = T0, **data: Any) -> ExchangeEvent:
    return ExchangeEvent(id=f"{kind}:{data}", type=f"exchange.{kind}", occurred_at=at, data=data)


def engine() -> ProactiveEngine:
    return ProactiveEngine(load_rules())


def fired(actions: list[Any]) -> list[tuple[str, str]]:
    return [(a.rule_id, a.customer_id) for a in actions]


def withdraw(state: ProactiveState, customer: str, wid: str, at: datetime = T0) -> None:
    data = {"customer_id": customer, "withdrawal_id": wid, "asset": "BTC", "amount": "0.5"}
    assert engine().on_event(state, event("withdrawal.requested", at, **data), at) == []


def test_the_bundled_rules_file_loads_with_messages_in_japanese_and_english() -> None:
    for rule in load_rules():
        if rule.action is not ActionKind.WARN_OPERATOR:
            assert set(rule.message) == {"ja", "en"}, rule.id
        else:
            assert rule.note, rule.id


def test_a_withdrawal_pending_past_the_threshold_opens_a_conversation_once() -> None:
    state = ProactiveState()
    withdraw(state, "c-1", "w-1")
    assert engine().next_check_at(state) == T0 + HOUR
    assert engine().on_tick(state, T0 + HOUR - timedelta(seconds=1)) == []
    actions = engine().on_tick(state, T0 + HOUR)
    assert fired(actions) == [("withdrawal_delayed", "c-1")]
    assert actions[0].kind is ActionKind.OPEN_CONVERSATION
    assert "0.5 BTC" in actions[0].message["en"] and "60分" in actions[0].message["ja"]
    assert actions[0].dedupe_key == "withdrawal_delayed:c-1:w-1"
    assert engine().on_tick(state, T0 + 2 * HOUR) == []
    assert fired(engine().on_tick(state, T0 + 4 * HOUR)) == [("withdrawal_stuck_operator", "c-1")]
    assert engine().on_tick(state, T0 + 9 * HOUR) == []
    assert engine().next_check_at(state) is None


def test_a_withdrawal_completed_in_time_fires_nothing() -> None:
    state = ProactiveState()
    withdraw(state, "c-1", "w-1")
    done = event(
        "withdrawal.completed",
        T0 + 10 * timedelta(minutes=1),
        customer_id="c-1",
        withdrawal_id="w-1",
    )
    engine().on_event(state, done, T0 + timedelta(minutes=10))
    assert engine().on_tick(state, T0 + 5 * HOUR) == []


def test_another_customers_completion_does_not_settle_a_withdrawal() -> None:
    state = ProactiveState()
    withdraw(state, "c-1", "w-1")
    forged = event("withdrawal.completed", customer_id="c-2", withdrawal_id="w-1")
    engine().on_event(state, forged, T0)
    assert fired(engine().on_tick(state, T0 + HOUR)) == [("withdrawal_delayed", "c-1")]


def test_a_withdrawal_event_arriving_after_its_threshold_fires_on_arrival() -> None:
    state = ProactiveState()
    data = {"customer_id": "c-1", "withdrawal_id": "w-9", "asset": "ETH", "amount": "1"}
    actions = engine().on_event(state, event("withdrawal.requested", T0, **data), T0 + 2 * HOUR)
    assert fired(actions) == [("withdrawal_delayed", "c-1")]


def test_a_redelivered_request_for_the_same_withdrawal_does_not_fire_again() -> None:
    state = ProactiveState()
    withdraw(state, "c-1", "w-1")
    engine().on_tick(state, T0 + HOUR)
    withdraw(state, "c-1", "w-1")
    assert engine().on_tick(state, T0 + 2 * HOUR) == []


def test_a_deposit_seen_on_chain_but_not_credited_fires_once_for_its_owner_only() -> None:
    state = ProactiveState()
    for customer, did in (("c-1", "d-1"), ("c-2", "d-2")):
        data: dict[str, Any] = {
            "customer_id": customer,
            "deposit_id": did,
            "asset": "BTC",
            "amount": "0.1",
        }
        engine().on_event(state, event("deposit.detected", **data), T0)
    credited = event(
        "deposit.credited", T0 + 5 * timedelta(minutes=1), customer_id="c-2", deposit_id="d-2"
    )
    engine().on_event(state, credited, T0 + timedelta(minutes=5))
    assert fired(engine().on_tick(state, T0 + HOUR)) == [("deposit_not_credited", "c-1")]
    assert engine().on_tick(state, T0 + 3 * HOUR) == []


def test_a_kyc_rejection_opens_a_conversation_once_per_application() -> None:
    state = ProactiveState()
    rejected = event(
        "kyc.rejected", customer_id="c-1", application_id="a-1", reason_code="document_blurry"
    )
    actions = engine().on_event(state, rejected, T0)
    assert fired(actions) == [("kyc_rejected_help", "c-1")]
    assert "document_blurry" in actions[0].message["en"]
    assert engine().on_event(state, rejected, T0) == []
    again = event("kyc.rejected", customer_id="c-1", application_id="a-2", reason_code="x")
    assert fired(engine().on_event(state, again, T0)) == [("kyc_rejected_help", "c-1")]


def login(state: ProactiveState, customer: str, device: str, country: str) -> list[Any]:
    ev = event("login.succeeded", customer_id=customer, device_id=device, country=country)
    return engine().on_event(state, ev, T0)


def test_the_first_login_only_learns_the_customers_device_and_country() -> None:
    state = ProactiveState()
    assert login(state, "c-1", "phone", "JP") == []
    assert login(state, "c-1", "phone", "JP") == []


def test_a_new_device_warns_the_operator_once_and_not_for_another_customer() -> None:
    state = ProactiveState()
    login(state, "c-1", "phone", "JP")
    login(state, "c-2", "laptop", "JP")
    actions = login(state, "c-1", "laptop", "JP")
    assert fired(actions) == [("login_new_device", "c-1")]
    assert actions[0].kind is ActionKind.WARN_OPERATOR and "laptop" in (actions[0].note or "")
    assert login(state, "c-1", "laptop", "JP") == []


def test_a_login_from_a_new_country_warns_once_per_country() -> None:
    state = ProactiveState()
    login(state, "c-1", "phone", "JP")
    assert fired(login(state, "c-1", "phone", "us")) == [("login_new_country", "c-1")]
    assert login(state, "c-1", "phone", "US") == []


def test_an_active_incident_is_mentioned_once_to_each_customer_who_contacts_us() -> None:
    state = ProactiveState()
    started = event(
        "incident.started",
        incident_id="i-1",
        title_ja="BTC出金遅延",
        title_en="BTC withdrawals delayed",
        severity="major",
    )
    assert engine().on_event(state, started, T0) == []
    actions = engine().on_customer_contact(state, customer_id="c-1")
    assert fired(actions) == [("incident_notice", "c-1")]
    assert actions[0].kind is ActionKind.BOT_MESSAGE
    assert "BTC withdrawals delayed" in actions[0].message["en"]
    assert "BTC出金遅延" in actions[0].message["ja"]
    assert engine().on_customer_contact(state, customer_id="c-1") == []
    assert fired(engine().on_customer_contact(state, customer_id="c-2")) == [
        ("incident_notice", "c-2")
    ]
    engine().on_event(state, event("incident.resolved", incident_id="i-1"), T0 + HOUR)
    assert engine().on_customer_contact(state, customer_id="c-3") == []


def test_the_state_survives_a_round_trip_through_json() -> None:
    state = ProactiveState()
    withdraw(state, "c-1", "w-1")
    login(state, "c-1", "phone", "JP")
    engine().on_event(state, event("kyc.rejected", customer_id="c-1", application_id="a"), T0)
    restored = ProactiveState.from_dict(state.to_dict())
    assert restored == state
    assert fired(engine().on_tick(restored, T0 + HOUR)) == [("withdrawal_delayed", "c-1")]
