"""Scripted upstream histories: demo customers and named scenarios, as plain data (no I/O).

Ids are derived from the customer and scenario, so replaying a scenario repeats the same
withdrawals and logins (the desk's dedupe sees one cause) and demo events keep their ids
across restarts (the desk's inbox drops the repeats).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

_NS = uuid.UUID("6f1c3f0e-5b7a-4c36-9a55-0f2d8e8f4a11")
H = timedelta(hours=1)
M = timedelta(minutes=1)


@dataclass(frozen=True)
class Upstream:
    """One event as the exchange would publish it; `subject` is the Kafka key."""

    id: str
    type: str
    at: datetime
    subject: str
    data: dict[str, Any] = field(default_factory=dict)


class _Script:
    """Collects one customer's events with stable ids."""

    def __init__(self, customer_id: str, run: str, now: datetime) -> None:
        self.customer_id, self.run, self.now = customer_id, run, now
        self.events: list[Upstream] = []

    def add(self, kind: str, ago: timedelta, **data: Any) -> None:
        seq = len(self.events)
        event_id = str(uuid.uuid5(_NS, f"{self.run}:{self.customer_id}:{seq}:{kind}"))
        payload = {"customer_id": self.customer_id, **data}
        self.events.append(
            Upstream(event_id, f"exchange.{kind}", self.now - ago, self.customer_id, payload)
        )

    def ref(self, prefix: str) -> str:
        return f"{prefix}-{self.customer_id}-{self.run}"


def _journey(s: _Script) -> None:
    """A complete, healthy history: every section of the 360 has something."""
    s.add(
        "customer.registered",
        30 * 24 * H,
        display_name="Demo Customer",
        language="ja",
        country="JP",
        tier="standard",
    )
    s.add("kyc.submitted", 29 * 24 * H, application_id=s.ref("kyc"))
    s.add("kyc.approved", 28 * 24 * H, application_id=s.ref("kyc"), level="2")
    s.add(
        "login.succeeded", 27 * 24 * H, device_id=s.ref("iphone"), country="JP", ip="203.0.113.10"
    )
    s.add(
        "deposit.detected",
        3 * 24 * H,
        deposit_id=s.ref("dep"),
        asset="BTC",
        amount="0.25",
        network="bitcoin",
        tx_hash="f4" * 32,
        confirmations=1,
    )
    s.add(
        "deposit.credited", 3 * 24 * H - 40 * M, deposit_id=s.ref("dep"), asset="BTC", amount="0.25"
    )
    s.add(
        "trade.executed",
        2 * 24 * H,
        trade_id=s.ref("trade"),
        symbol="BTC/JPY",
        side="sell",
        price="9850000",
        quantity="0.1",
    )
    s.add(
        "withdrawal.requested",
        24 * H,
        withdrawal_id=s.ref("wd"),
        asset="JPY",
        amount="500000",
        network="zengin",
    )
    s.add("withdrawal.completed", 23 * H, withdrawal_id=s.ref("wd"))
    s.add("login.succeeded", 2 * H, device_id=s.ref("iphone"), country="JP")


def _stuck_withdrawal(s: _Script) -> None:
    s.add("login.succeeded", 6 * H, device_id=s.ref("android"), country="JP")
    s.add(
        "withdrawal.requested",
        5 * H,
        withdrawal_id=s.ref("wd"),
        asset="ETH",
        amount="1.5",
        network="ethereum",
        address="0x" + "ab" * 20,
    )


def _uncredited_deposit(s: _Script) -> None:
    s.add(
        "deposit.detected",
        2 * H,
        deposit_id=s.ref("dep"),
        asset="XRP",
        amount="1200",
        network="xrpl",
        tx_hash="9c" * 32,
        confirmations=30,
    )


def _kyc_rejected(s: _Script) -> None:
    s.add("kyc.submitted", 3 * H, application_id=s.ref("kyc"))
    s.add(
        "kyc.rejected",
        1 * H,
        application_id=s.ref("kyc"),
        reason_code="document_blurry",
        reason="書類の画像が不鮮明です / The document image is blurry",
    )


def _new_device_login(s: _Script) -> None:
    s.add("login.succeeded", 10 * 24 * H, device_id=s.ref("laptop"), country="JP")
    s.add("login.succeeded", 5 * M, device_id=s.ref("unknown-pc"), country="VN", ip="198.51.100.77")


def _trading_day(s: _Script) -> None:
    for i, (side, price) in enumerate((("buy", "9800000"), ("sell", "9900000"))):
        s.add(
            "trade.executed",
            (3 - i) * H,
            trade_id=f"{s.ref('trade')}-{i}",
            symbol="BTC/JPY",
            side=side,
            price=price,
            quantity="0.01",
        )


CUSTOMER_SCENARIOS: dict[str, Callable[[_Script], None]] = {
    "customer_journey": _journey,
    "stuck_withdrawal": _stuck_withdrawal,
    "uncredited_deposit": _uncredited_deposit,
    "kyc_rejected": _kyc_rejected,
    "new_device_login": _new_device_login,
    "trading_day": _trading_day,
}
INCIDENT_SCENARIOS = ("incident_started", "incident_resolved")
SCENARIOS = (*CUSTOMER_SCENARIOS, *INCIDENT_SCENARIOS)


def scenario(
    name: str, *, now: datetime, customer_id: str = "cust-001", incident_id: str = "inc-demo"
) -> list[Upstream]:
    """The events of one named scenario; KeyError for an unknown name."""
    if name == "incident_started":
        data = {
            "incident_id": incident_id,
            "severity": "major",
            "affected": ["withdrawals"],
            "title_ja": "一部の暗号資産の出金が遅延しています",
            "title_en": "Some crypto-asset withdrawals are delayed",
        }
        return [
            Upstream(
                str(uuid.uuid5(_NS, f"start:{incident_id}")),
                "exchange.incident.started",
                now,
                incident_id,
                data,
            )
        ]
    if name == "incident_resolved":
        return [
            Upstream(
                str(uuid.uuid5(_NS, f"end:{incident_id}")),
                "exchange.incident.resolved",
                now,
                incident_id,
                {"incident_id": incident_id},
            )
        ]
    script = _Script(customer_id, name, now)
    CUSTOMER_SCENARIOS[name](script)
    return script.events


# Demo customers: everyone has a history; a few carry a problem the desk should notice.
DEMO_PROBLEMS: dict[str, tuple[str, ...]] = {
    "cust-002": ("stuck_withdrawal",),
    "cust-003": ("uncredited_deposit",),
    "cust-004": ("kyc_rejected",),
    "cust-005": ("new_device_login",),
    "cust-007": ("trading_day",),
}


def demo_events(now: datetime) -> list[Upstream]:
    """The demo history of cust-001..cust-010."""
    events: list[Upstream] = []
    for n in range(1, 11):
        customer = f"cust-{n:03d}"
        for name in ("customer_journey", *DEMO_PROBLEMS.get(customer, ())):
            events += scenario(name, now=now, customer_id=customer)
    return events
