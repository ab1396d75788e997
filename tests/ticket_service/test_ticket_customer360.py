"""Customer 360: folding exchange events into the operator's view of a customer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ticket_service.domain.customer360 import CustomerContext, apply, to_dict
from ticket_service.domain.exchange import ExchangeEvent

T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def event(kind: str, at: datetime = T0, customer_id: str = "c-1", **data: Any) -> ExchangeEvent:
    payload = {"customer_id": customer_id, **data}
    return ExchangeEvent(id=f"{kind}-{at}", type=f"exchange.{kind}", occurred_at=at, data=payload)


def fold(*events: ExchangeEvent, limit: int = 20) -> CustomerContext:
    context = CustomerContext(customer_id="c-1", limit=limit)
    for e in events:
        context = apply(context, e)
    return context


def test_registration_and_updates_build_the_profile() -> None:
    context = fold(
        event("customer.registered", display_name="Sato", language="ja", country="JP"),
        event("customer.updated", T0 + MIN, tier="vip"),
    )
    assert dict(context.profile) == {
        "display_name": "Sato",
        "language": "ja",
        "country": "JP",
        "tier": "vip",
    }
    assert context.updated_at == T0 + MIN


def test_kyc_follows_the_latest_verdict_even_when_events_arrive_late() -> None:
    context = fold(
        event("kyc.submitted", T0, application_id="a-1"),
        event("kyc.rejected", T0 + 2 * MIN, application_id="a-1", reason_code="name_mismatch"),
        event("kyc.submitted", T0 + MIN, application_id="a-1"),  # late redelivery
    )
    assert context.kyc.status == "rejected" and context.kyc.reason_code == "name_mismatch"


def test_a_deposit_moves_from_detected_to_credited_and_never_back() -> None:
    detected = event("deposit.detected", T0, deposit_id="d-1", asset="BTC", amount="0.1")
    credited = event("deposit.credited", T0 + 30 * MIN, deposit_id="d-1", asset="BTC", amount="0.1")
    for order in ((detected, credited), (credited, detected)):
        context = fold(*order)
        assert len(context.deposits) == 1
        deposit = context.deposits[0]
        assert (deposit.status, deposit.started_at, deposit.updated_at) == (
            "credited",
            T0,
            T0 + 30 * MIN,
        )


def test_withdrawals_keep_their_status_and_failure_reason() -> None:
    context = fold(
        event("withdrawal.requested", T0, withdrawal_id="w-1", asset="ETH", amount="2"),
        event("withdrawal.requested", T0 + MIN, withdrawal_id="w-2", asset="BTC", amount="1"),
        event("withdrawal.failed", T0 + 2 * MIN, withdrawal_id="w-1", reason="address_invalid"),
    )
    assert [(w.id, w.status) for w in context.withdrawals] == [
        ("w-2", "requested"),
        ("w-1", "failed"),
    ]
    assert context.withdrawals[1].detail == "address_invalid"
    assert context.withdrawals[1].amount == "2"


def test_only_the_newest_n_trades_are_kept_and_a_redelivered_trade_is_not_doubled() -> None:
    trades = [
        event(
            "trade.executed",
            T0 + i * MIN,
            trade_id=f"tr-{i}",
            symbol="BTC/JPY",
            side="buy",
            price="10000000",
            quantity="0.01",
        )
        for i in range(5)
    ]
    context = fold(*trades, trades[-1], limit=3)
    assert [t.id for t in context.trades] == ["tr-4", "tr-3", "tr-2"]


def test_logins_flag_a_new_device_after_the_first_one() -> None:
    context = fold(
        event("login.succeeded", T0, device_id="phone", country="JP"),
        event("login.succeeded", T0 + MIN, device_id="phone", country="JP"),
        event("login.succeeded", T0 + 2 * MIN, device_id="laptop", country="VN"),
    )
    assert [(x.new_device, x.new_country) for x in context.logins] == [
        (True, True),
        (False, False),
        (False, False),
    ]
    assert [x.device_id for x in context.new_device_logins] == ["laptop"]
    assert context.known_devices == {"phone", "laptop"}


def test_events_of_another_customer_or_unknown_types_change_nothing() -> None:
    context = fold(event("customer.registered", display_name="Sato"))
    assert apply(context, event("login.succeeded", customer_id="c-2", device_id="x")) is context
    assert apply(context, event("margin.called")) is context


def test_apply_never_mutates_the_context_it_was_given() -> None:
    before = fold(event("customer.registered", display_name="Sato"))
    after = apply(before, event("customer.updated", T0 + MIN, display_name="Suzuki"))
    assert before.profile["display_name"] == "Sato" and after.profile["display_name"] == "Suzuki"


def test_the_context_serialises_to_json() -> None:
    context = fold(
        event("customer.registered", display_name="Sato"),
        event("deposit.detected", T0, deposit_id="d-1", asset="BTC", amount="0.1"),
        event("login.succeeded", T0, device_id="phone", country="JP"),
    )
    data = json.loads(json.dumps(to_dict(context)))
    assert data["deposits"][0]["status"] == "detected"
    assert data["known_devices"] == ["phone"] and data["profile"]["display_name"] == "Sato"
