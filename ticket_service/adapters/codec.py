"""JSON forms of the SLA clock and the customer 360, for their JSONB columns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ticket_service.domain.customer360 import CustomerContext, Kyc, Login, Movement, Trade
from ticket_service.domain.sla import BusinessHours, SlaClock, SlaPolicy


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def clock_to_dict(clock: SlaClock) -> dict[str, Any]:
    """Everything but the team hours, which come from configuration on load."""
    return {
        "policy": clock.policy.to_dict(),
        "started_at": clock.started_at.isoformat(),
        "pauses": [[start.isoformat(), _iso(end)] for start, end in clock.pauses],
        "first_response_at": _iso(clock.first_response_at),
        "resolved_at": _iso(clock.resolved_at),
        "awaiting_reply_since": _iso(clock.awaiting_reply_since),
        "cycle": clock.cycle,
        "stopped": clock.stopped,
        "breached": sorted(clock.breached),
    }


def clock_from_dict(data: Mapping[str, Any], *, hours: BusinessHours | None) -> SlaClock:
    """Inverse of `clock_to_dict`, with the team's current hours."""
    started = _dt(data["started_at"])
    assert started is not None
    pauses: list[tuple[datetime, datetime | None]] = []
    for start, end in data.get("pauses", []):
        begin = _dt(start)
        assert begin is not None
        pauses.append((begin, _dt(end)))
    return SlaClock(
        policy=SlaPolicy.from_dict(data.get("policy", {})),
        started_at=started,
        hours=hours,
        pauses=pauses,
        first_response_at=_dt(data.get("first_response_at")),
        resolved_at=_dt(data.get("resolved_at")),
        awaiting_reply_since=_dt(data.get("awaiting_reply_since")),
        cycle=int(data.get("cycle", 0)),
        stopped=bool(data.get("stopped", False)),
        breached=set(data.get("breached", [])),
    )


def _movement(d: Mapping[str, Any]) -> Movement:
    return Movement(
        id=str(d["id"]),
        asset=str(d.get("asset", "")),
        amount=str(d.get("amount", "")),
        status=str(d.get("status", "")),
        started_at=_dt(d["started_at"]) or datetime.min,
        updated_at=_dt(d["updated_at"]) or datetime.min,
        detail=d.get("detail"),
    )


def context_from_dict(data: Mapping[str, Any]) -> CustomerContext:
    """Inverse of `customer360.to_dict`."""
    kyc = data.get("kyc") or {}
    return CustomerContext(
        customer_id=str(data["customer_id"]),
        profile=MappingProxyType(dict(data.get("profile", {}))),
        kyc=Kyc(
            status=str(kyc.get("status", "none")),
            application_id=kyc.get("application_id"),
            level=kyc.get("level"),
            reason_code=kyc.get("reason_code"),
            updated_at=_dt(kyc.get("updated_at")),
        ),
        deposits=tuple(_movement(d) for d in data.get("deposits", [])),
        withdrawals=tuple(_movement(d) for d in data.get("withdrawals", [])),
        trades=tuple(
            Trade(
                str(t["id"]),
                str(t["symbol"]),
                str(t["side"]),
                str(t["price"]),
                str(t["quantity"]),
                _dt(t["at"]) or datetime.min,
            )
            for t in data.get("trades", [])
        ),
        logins=tuple(
            Login(
                device_id=str(g["device_id"]),
                country=str(g["country"]),
                at=_dt(g["at"]) or datetime.min,
                new_device=bool(g["new_device"]),
                new_country=bool(g["new_country"]),
            )
            for g in data.get("logins", [])
        ),
        known_devices=frozenset(data.get("known_devices", [])),
        known_countries=frozenset(data.get("known_countries", [])),
        updated_at=_dt(data.get("updated_at")),
        limit=int(data.get("limit", 20)),
    )
