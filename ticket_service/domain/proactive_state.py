"""Persisted state of the proactive engine: pending money movements, known logins, fired keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ticket_service.domain.exchange import ExchangeEvent

_PENDING_DETAILS = ("asset", "amount", "network", "tx_hash")


@dataclass
class Pending:
    """A withdrawal or deposit waiting for its completion event."""

    customer_id: str
    since: datetime
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class ProactiveState:
    """Everything the engine remembers; the service persists it (see `to_dict`)."""

    pending_withdrawals: dict[str, Pending] = field(default_factory=dict)
    pending_deposits: dict[str, Pending] = field(default_factory=dict)
    known_devices: dict[str, set[str]] = field(default_factory=dict)
    known_countries: dict[str, set[str]] = field(default_factory=dict)
    active_incidents: dict[str, dict[str, str]] = field(default_factory=dict)
    fired: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "pending_withdrawals": _dump(self.pending_withdrawals),
            "pending_deposits": _dump(self.pending_deposits),
            "known_devices": {k: sorted(v) for k, v in self.known_devices.items()},
            "known_countries": {k: sorted(v) for k, v in self.known_countries.items()},
            "active_incidents": self.active_incidents,
            "fired": sorted(self.fired),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProactiveState:
        """Inverse of `to_dict`."""
        return cls(
            pending_withdrawals=_load(data.get("pending_withdrawals", {})),
            pending_deposits=_load(data.get("pending_deposits", {})),
            known_devices={k: set(v) for k, v in data.get("known_devices", {}).items()},
            known_countries={k: set(v) for k, v in data.get("known_countries", {}).items()},
            active_incidents={k: dict(v) for k, v in data.get("active_incidents", {}).items()},
            fired=set(data.get("fired", [])),
        )


def new_pending(event: ExchangeEvent, customer: str) -> Pending:
    """A pending item started by `event`, keeping the details messages mention."""
    details = {k: event.text(k) for k in _PENDING_DETAILS if event.data.get(k) is not None}
    return Pending(customer_id=customer, since=event.occurred_at, details=details)


def _dump(items: Mapping[str, Pending]) -> dict[str, Any]:
    return {
        k: {"customer_id": p.customer_id, "since": p.since.isoformat(), "details": p.details}
        for k, p in items.items()
    }


def _load(data: Mapping[str, Any]) -> dict[str, Pending]:
    return {
        k: Pending(
            customer_id=str(v["customer_id"]),
            since=datetime.fromisoformat(str(v["since"])),
            details=dict(v.get("details", {})),
        )
        for k, v in data.items()
    }
