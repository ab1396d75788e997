"""Customer 360: exchange events folded into the read model operators see beside a chat.

`apply` is pure and idempotent per record (deposits, withdrawals and trades are upserted by
id), tolerates out-of-order delivery (a late `detected` never downgrades `credited`), and
keeps only the newest `limit` items of each list, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from ticket_service.domain.exchange import ExchangeEvent

# Later statuses win over earlier ones whatever order the events arrive in.
_RANK = {"detected": 0, "requested": 0, "credited": 1, "completed": 1, "failed": 1}
_PROFILE_FIELDS = ("display_name", "language", "country", "tier")


@dataclass(frozen=True)
class Kyc:
    """Where the customer's identity verification stands."""

    status: str = "none"  # none | submitted | approved | rejected
    application_id: str | None = None
    level: str | None = None
    reason_code: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Movement:
    """A deposit or withdrawal and its latest status."""

    id: str
    asset: str
    amount: str
    status: str
    started_at: datetime
    updated_at: datetime
    detail: str | None = None  # failure reason, tx hash


@dataclass(frozen=True)
class Trade:
    """One executed trade."""

    id: str
    symbol: str
    side: str
    price: str
    quantity: str
    at: datetime


@dataclass(frozen=True)
class Login:
    """One successful login, flagged when its device or country was new."""

    device_id: str
    country: str
    at: datetime
    new_device: bool
    new_country: bool


@dataclass(frozen=True)
class CustomerContext:
    """What the desk knows about one customer from the exchange."""

    customer_id: str
    profile: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    kyc: Kyc = Kyc()
    deposits: tuple[Movement, ...] = ()
    withdrawals: tuple[Movement, ...] = ()
    trades: tuple[Trade, ...] = ()
    logins: tuple[Login, ...] = ()
    known_devices: frozenset[str] = frozenset()
    known_countries: frozenset[str] = frozenset()
    updated_at: datetime | None = None
    limit: int = 20

    @property
    def new_device_logins(self) -> tuple[Login, ...]:
        """Recent logins from a device not seen before."""
        return tuple(login for login in self.logins if login.new_device)


def apply(context: CustomerContext, event: ExchangeEvent) -> CustomerContext:
    """Return `context` with `event` folded in; events of other customers change nothing."""
    if event.customer_id != context.customer_id:
        return context
    folded = _fold(context, event)
    if folded is context:
        return context
    return replace(
        folded, updated_at=max(context.updated_at or event.occurred_at, event.occurred_at)
    )


def _fold(ctx: CustomerContext, event: ExchangeEvent) -> CustomerContext:
    at, kind, text = event.occurred_at, event.type, event.text
    if kind in ("exchange.customer.registered", "exchange.customer.updated"):
        changes = {k: text(k) for k in _PROFILE_FIELDS if event.data.get(k) is not None}
        return replace(ctx, profile=MappingProxyType({**ctx.profile, **changes}))
    if kind.startswith("exchange.kyc."):
        status = kind.rsplit(".", 1)[1]
        if ctx.kyc.updated_at is not None and at < ctx.kyc.updated_at:
            return ctx  # an older verdict must not overwrite a newer one
        kyc = Kyc(
            status=status,
            application_id=text("application_id") or None,
            level=text("level") or ctx.kyc.level,
            reason_code=text("reason_code") or None,
            updated_at=at,
        )
        return replace(ctx, kyc=kyc)
    if kind in ("exchange.deposit.detected", "exchange.deposit.credited"):
        move = _movement(event, "deposit_id", kind.rsplit(".", 1)[1], text("tx_hash") or None)
        return replace(ctx, deposits=_upsert(ctx.deposits, move, ctx.limit, _merge))
    if kind.startswith("exchange.withdrawal."):
        status = kind.rsplit(".", 1)[1]
        detail = text("reason") or text("tx_hash") or None
        move = _movement(event, "withdrawal_id", status, detail)
        return replace(ctx, withdrawals=_upsert(ctx.withdrawals, move, ctx.limit, _merge))
    if kind == "exchange.trade.executed":
        trade = Trade(
            text("trade_id"), text("symbol"), text("side"), text("price"), text("quantity"), at
        )
        return replace(ctx, trades=_upsert(ctx.trades, trade, ctx.limit, lambda _old, new: new))
    if kind == "exchange.login.succeeded":
        return _login(ctx, device=text("device_id"), country=text("country").upper(), at=at)
    return ctx


def _login(ctx: CustomerContext, *, device: str, country: str, at: datetime) -> CustomerContext:
    # The very first login sets the baseline; only later ones can be "new".
    first = not ctx.known_devices and not ctx.known_countries
    login = Login(
        device_id=device,
        country=country,
        at=at,
        new_device=not first and bool(device) and device not in ctx.known_devices,
        new_country=not first and bool(country) and country not in ctx.known_countries,
    )
    return replace(
        ctx,
        logins=(login, *ctx.logins)[: ctx.limit],
        known_devices=ctx.known_devices | ({device} if device else set()),
        known_countries=ctx.known_countries | ({country} if country else set()),
    )


def _movement(event: ExchangeEvent, id_field: str, status: str, detail: str | None) -> Movement:
    return Movement(
        id=event.text(id_field),
        asset=event.text("asset"),
        amount=event.text("amount"),
        status=status,
        started_at=event.occurred_at,
        updated_at=event.occurred_at,
        detail=detail,
    )


def _merge(old: Movement, new: Movement) -> Movement:
    newer = new if _RANK.get(new.status, 0) >= _RANK.get(old.status, 0) else old
    return replace(
        old,
        asset=old.asset or new.asset,
        amount=old.amount or new.amount,
        status=newer.status,
        started_at=min(old.started_at, new.started_at),
        updated_at=max(old.updated_at, new.updated_at),
        detail=newer.detail or old.detail or new.detail,
    )


class _Keyed(Protocol):
    @property
    def id(self) -> str: ...


_Item = TypeVar("_Item", bound=_Keyed)


def _upsert(
    items: tuple[_Item, ...], item: _Item, limit: int, merge: Callable[[_Item, _Item], _Item]
) -> tuple[_Item, ...]:
    if any(existing.id == item.id for existing in items):
        return tuple(merge(e, item) if e.id == item.id else e for e in items)
    grown: tuple[_Item, ...] = (item, *items)
    return grown[:limit]


def to_dict(context: CustomerContext) -> dict[str, Any]:
    """JSON-ready form for the `GET /customers/{id}/context` view and for storage."""

    def dump(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, MappingProxyType):
            return dict(value)
        if isinstance(value, frozenset):
            return sorted(value)
        if isinstance(value, tuple):
            return [dump(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {k: dump(getattr(value, k)) for k in value.__dataclass_fields__}
        return value

    result: dict[str, Any] = dump(context)
    return result
