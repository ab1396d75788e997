"""The customer 360: exchange events folded into one row per customer, and its view."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.contracts import Envelope
from shared.db import UnitOfWork
from ticket_service.adapters import repository as repo
from ticket_service.adapters.codec import context_from_dict
from ticket_service.adapters.orm import ConversationLinkRow, CustomerContextRow, IncidentRow
from ticket_service.domain import customer360
from ticket_service.domain.exchange import ExchangeEvent

ACTIVITY_LIMIT = 50
# Which fields make a one-line summary of each upstream event in the activity timeline.
_SUMMARY_FIELDS = (
    "deposit_id",
    "withdrawal_id",
    "trade_id",
    "application_id",
    "side",
    "symbol",
    "asset",
    "amount",
    "price",
    "quantity",
    "reason_code",
    "device_id",
    "country",
)


def exchange_event(env: Envelope) -> ExchangeEvent:
    """The domain's view of an upstream envelope."""
    return ExchangeEvent(id=env.id, type=env.type, occurred_at=env.time, data=env.data)


async def _locked_row(session: AsyncSession, customer_id: str) -> CustomerContextRow:
    await session.execute(
        insert(CustomerContextRow)
        .values(
            customer_id=customer_id,
            context={},
            csat=[],
            flags=[],
            activity=[],
            updated_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
    )
    stmt = (
        select(CustomerContextRow)
        .where(CustomerContextRow.customer_id == customer_id)
        .with_for_update()
    )
    return (await session.scalars(stmt)).one()


def _push(items: list[dict[str, Any]], item: dict[str, Any]) -> list[dict[str, Any]]:
    # A new list so SQLAlchemy sees the JSONB change; newest first, bounded.
    return [item, *items][:ACTIVITY_LIMIT]


async def apply_exchange_event(uow: UnitOfWork, env: Envelope) -> None:
    """Fold one upstream event into its customer's 360 (exchange-wide ones go elsewhere)."""
    event = exchange_event(env)
    customer_id = event.customer_id
    if customer_id is None:
        return
    row = await _locked_row(uow.session, customer_id)
    ctx = (
        context_from_dict(row.context)
        if row.context
        else customer360.CustomerContext(customer_id=customer_id)
    )
    row.context = customer360.to_dict(customer360.apply(ctx, event))
    summary = {k: event.text(k) for k in _SUMMARY_FIELDS if event.data.get(k) is not None}
    row.activity = _push(
        row.activity,
        {"at": event.occurred_at.isoformat(), "type": event.type, "event_id": event.id, **summary},
    )
    row.updated_at = datetime.now(UTC)


async def record_csat(
    uow: UnitOfWork,
    *,
    customer_id: str,
    conversation_id: str,
    ticket_id: str | None,
    score: int,
    comment: str | None,
    at: datetime,
) -> None:
    """Keep a CSAT score on the customer's 360."""
    row = await _locked_row(uow.session, customer_id)
    item = {
        "at": at.isoformat(),
        "conversation_id": conversation_id,
        "ticket_id": ticket_id,
        "score": score,
        "comment": comment,
    }
    row.csat = _push(row.csat, item)
    row.activity = _push(
        row.activity,
        {
            "at": at.isoformat(),
            "type": "csat.submitted",
            "conversation_id": conversation_id,
            "score": score,
        },
    )


async def add_flag(uow: UnitOfWork, *, customer_id: str, flag: dict[str, Any]) -> None:
    """Put a proactive warning on the customer's 360 for the operator."""
    row = await _locked_row(uow.session, customer_id)
    row.flags = _push(row.flags, flag)
    row.activity = _push(
        row.activity, {"at": flag["at"], "type": "proactive.triggered", "rule_id": flag["rule_id"]}
    )


async def context_view(session: AsyncSession, customer_id: str) -> dict[str, Any]:
    """`GET /customers/{id}/context`: activity, conversations, tickets and the exchange view."""
    row = await session.get(CustomerContextRow, customer_id)
    ctx = customer360.to_dict(
        context_from_dict(row.context)
        if row is not None and row.context
        else customer360.CustomerContext(customer_id=customer_id)
    )
    tickets, _ = await repo.list_rows(
        session, repo.TicketFilter(customer_id=customer_id), limit=20, cursor=None
    )
    links = (
        await session.scalars(
            select(ConversationLinkRow)
            .where(ConversationLinkRow.customer_id == customer_id)
            .order_by(ConversationLinkRow.opened_at.desc())
            .limit(20)
        )
    ).all()
    incidents = (await session.scalars(select(IncidentRow).where(IncidentRow.active))).all()
    return {
        "customer_id": customer_id,
        "activity": list(row.activity) if row is not None else [],
        "conversations": [
            {
                "id": link.conversation_id,
                "ticket_id": link.ticket_id,
                "status": link.status,
                "team": link.team,
                "language": link.language,
                "opened_at": link.opened_at.isoformat() if link.opened_at else None,
                "closed_at": link.closed_at.isoformat() if link.closed_at else None,
            }
            for link in links
        ],
        "tickets": [repo.ticket_view(t) for t in tickets],
        "profile": ctx["profile"],
        "kyc": ctx["kyc"],
        "deposits": ctx["deposits"],
        "withdrawals": ctx["withdrawals"],
        "trades": ctx["trades"],
        "logins": ctx["logins"],
        "known_devices": ctx["known_devices"],
        "known_countries": ctx["known_countries"],
        "csat": list(row.csat) if row is not None else [],
        "flags": list(row.flags) if row is not None else [],
        "incidents": [
            {"id": i.id, "title_ja": i.title_ja, "title_en": i.title_en, "severity": i.severity}
            for i in incidents
        ],
    }
