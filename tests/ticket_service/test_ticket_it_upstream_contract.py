"""The simulator speaks the upstream contract; the 360 folds its history as the exchange would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exchange_simulator.scenarios import SCENARIOS, demo_events, scenario
from shared.contracts import payload_type
from ticket_service.domain import customer360
from ticket_service.domain.exchange import EXCHANGE_EVENT_SCHEMA, ExchangeEvent

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)


def test_every_upstream_type_in_the_domain_schema_has_a_contract_model() -> None:
    missing = [t for t in EXCHANGE_EVENT_SCHEMA if payload_type(t) is None]
    assert missing == []


def test_every_contract_model_requires_what_the_domain_schema_requires() -> None:
    for event_type, fields in EXCHANGE_EVENT_SCHEMA.items():
        model = payload_type(event_type)
        assert model is not None
        required = {name for name, f in model.model_fields.items() if f.is_required()}
        assert required == {n for n in fields if not n.endswith("?")}, event_type


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_event_validates_against_its_contract(name: str) -> None:
    events = scenario(name, now=NOW, customer_id="cust-x")
    assert events
    for event in events:
        model = payload_type(event.type)
        assert model is not None, event.type
        model.model_validate(event.data)


def test_replaying_a_scenario_repeats_the_same_event_ids() -> None:
    first = [e.id for e in scenario("stuck_withdrawal", now=NOW, customer_id="cust-x")]
    again = [e.id for e in scenario("stuck_withdrawal", now=NOW, customer_id="cust-x")]
    other = [e.id for e in scenario("stuck_withdrawal", now=NOW, customer_id="cust-y")]
    assert first == again and not set(first) & set(other)


def test_the_demo_history_covers_ten_customers_with_a_stuck_withdrawal() -> None:
    events = demo_events(NOW)
    assert {e.data.get("customer_id") for e in events} == {f"cust-{n:03d}" for n in range(1, 11)}
    requested = {e.data["withdrawal_id"] for e in events if e.type.endswith("withdrawal.requested")}
    settled = {e.data["withdrawal_id"] for e in events if e.type.endswith("withdrawal.completed")}
    assert len(requested - settled) == 1


def test_the_demo_journey_folds_into_a_full_360() -> None:
    ctx = customer360.CustomerContext(customer_id="cust-001")
    for e in scenario("customer_journey", now=NOW, customer_id="cust-001"):
        ctx = customer360.apply(ctx, ExchangeEvent(e.id, e.type, e.at, e.data))
    assert ctx.kyc.status == "approved"
    assert [d.status for d in ctx.deposits] == ["credited"]
    assert [w.status for w in ctx.withdrawals] == ["completed"]
    assert len(ctx.trades) == 1 and len(ctx.logins) == 2
