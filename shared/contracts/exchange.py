"""Upstream events of the exchange on `exchange.events` (see docs/upstream-events.md).

Consumed, never produced, except by the bundled exchange simulator. Amounts and prices are
decimal strings, never floats; every event but the incident ones names its `customer_id`.
"""

from __future__ import annotations

from shared.contracts.envelope import EventPayload

TOPIC = "exchange.events"


class ExchangeEvent(EventPayload):
    topic = TOPIC


class CustomerEvent(ExchangeEvent):
    """An upstream event about one customer."""

    customer_id: str


class CustomerRegistered(CustomerEvent):
    event_type = "exchange.customer.registered"
    display_name: str | None = None
    language: str | None = None  # BCP-47: ja or en
    country: str | None = None  # ISO 3166-1 alpha-2
    tier: str | None = None  # standard, vip, ...


class CustomerUpdated(CustomerEvent):
    event_type = "exchange.customer.updated"
    display_name: str | None = None
    language: str | None = None
    country: str | None = None
    tier: str | None = None


class KycSubmitted(CustomerEvent):
    event_type = "exchange.kyc.submitted"
    application_id: str


class KycApproved(CustomerEvent):
    event_type = "exchange.kyc.approved"
    application_id: str
    level: str | None = None


class KycRejected(CustomerEvent):
    event_type = "exchange.kyc.rejected"
    application_id: str
    reason_code: str  # document_blurry, name_mismatch, expired_document, ...
    reason: str | None = None


class DepositDetected(CustomerEvent):
    event_type = "exchange.deposit.detected"
    deposit_id: str
    asset: str
    amount: str
    network: str | None = None
    tx_hash: str | None = None
    confirmations: int | None = None


class DepositCredited(CustomerEvent):
    event_type = "exchange.deposit.credited"
    deposit_id: str
    asset: str
    amount: str


class WithdrawalRequested(CustomerEvent):
    event_type = "exchange.withdrawal.requested"
    withdrawal_id: str
    asset: str
    amount: str
    network: str | None = None
    address: str | None = None  # staff only


class WithdrawalCompleted(CustomerEvent):
    event_type = "exchange.withdrawal.completed"
    withdrawal_id: str
    tx_hash: str | None = None


class WithdrawalFailed(CustomerEvent):
    event_type = "exchange.withdrawal.failed"
    withdrawal_id: str
    reason: str | None = None


class TradeExecuted(CustomerEvent):
    event_type = "exchange.trade.executed"
    trade_id: str
    symbol: str  # BTC/JPY
    side: str  # buy or sell
    price: str
    quantity: str


class LoginSucceeded(CustomerEvent):
    event_type = "exchange.login.succeeded"
    device_id: str
    country: str
    ip: str | None = None


class IncidentStarted(ExchangeEvent):
    event_type = "exchange.incident.started"
    incident_id: str
    title_ja: str
    title_en: str
    severity: str | None = None  # minor, major, critical
    affected: list[str] = []


class IncidentResolved(ExchangeEvent):
    event_type = "exchange.incident.resolved"
    incident_id: str
