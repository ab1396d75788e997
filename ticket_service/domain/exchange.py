"""Upstream `exchange.events` as the ticket domain reads them, and their payload schema.

The service builds an `ExchangeEvent` from each envelope: `id`, `type`, `time` (as
`occurred_at`) and `data`. `EXCHANGE_EVENT_SCHEMA` documents every `data` field the domain
reads, for the pydantic contracts: times are ISO-8601 with offset, amounts are decimal
strings (never floats), a trailing `?` marks an optional field. Every event but the incident
ones carries `customer_id`; unknown types and extra fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_MONEY = {"asset": "str: currency code, e.g. BTC, JPY", "amount": "str: decimal"}

EXCHANGE_EVENT_SCHEMA: dict[str, dict[str, str]] = {
    "exchange.customer.registered": {
        "customer_id": "str",
        "display_name?": "str",
        "language?": "str: BCP-47, ja or en",
        "country?": "str: ISO 3166-1 alpha-2",
        "tier?": "str: account tier, e.g. standard, vip",
    },
    "exchange.customer.updated": {
        "customer_id": "str",
        "display_name?": "str",
        "language?": "str",
        "country?": "str",
        "tier?": "str",
    },
    "exchange.kyc.submitted": {"customer_id": "str", "application_id": "str"},
    "exchange.kyc.approved": {"customer_id": "str", "application_id": "str", "level?": "str"},
    "exchange.kyc.rejected": {
        "customer_id": "str",
        "application_id": "str",
        "reason_code": "str: e.g. document_blurry, name_mismatch, expired_document",
        "reason?": "str: human-readable reason (ja or en)",
    },
    "exchange.deposit.detected": {
        "customer_id": "str",
        "deposit_id": "str",
        **_MONEY,
        "network?": "str: chain, e.g. bitcoin, ethereum",
        "tx_hash?": "str",
        "confirmations?": "int",
    },
    "exchange.deposit.credited": {"customer_id": "str", "deposit_id": "str", **_MONEY},
    "exchange.withdrawal.requested": {
        "customer_id": "str",
        "withdrawal_id": "str",
        **_MONEY,
        "network?": "str",
        "address?": "str: destination, shown to staff only",
    },
    "exchange.withdrawal.completed": {
        "customer_id": "str",
        "withdrawal_id": "str",
        "tx_hash?": "str",
    },
    "exchange.withdrawal.failed": {
        "customer_id": "str",
        "withdrawal_id": "str",
        "reason?": "str",
    },
    "exchange.trade.executed": {
        "customer_id": "str",
        "trade_id": "str",
        "symbol": "str: e.g. BTC/JPY",
        "side": "str: buy or sell",
        "price": "str: decimal",
        "quantity": "str: decimal",
    },
    "exchange.login.succeeded": {
        "customer_id": "str",
        "device_id": "str: stable per device/app install",
        "country": "str: ISO 3166-1 alpha-2 from IP geolocation",
        "ip?": "str",
    },
    "exchange.incident.started": {
        "incident_id": "str",
        "title_ja": "str: customer-facing summary",
        "title_en": "str: customer-facing summary",
        "severity?": "str: minor, major or critical",
        "affected?": "list[str]: e.g. withdrawals, deposits:BTC",
    },
    "exchange.incident.resolved": {"incident_id": "str"},
}


@dataclass(frozen=True)
class ExchangeEvent:
    """One upstream event: envelope id, type and time, and its `data`."""

    id: str
    type: str
    occurred_at: datetime
    data: Mapping[str, Any]

    @property
    def customer_id(self) -> str | None:
        """The customer the event is about, None for exchange-wide events."""
        value = self.data.get("customer_id")
        return str(value) if value is not None else None

    def text(self, name: str, default: str = "") -> str:
        """A data field as a string (missing or null gives `default`)."""
        value = self.data.get(name)
        return default if value is None else str(value)
