"""Builds ticket_service: tickets, SLAs, the customer 360 and proactive support."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from shared.contracts import chat, exchange, routing
from shared.service import Runtime, Subscription, build_service_app
from ticket_service.config import TicketSettings
from ticket_service.consumers import EventConsumer
from ticket_service.domain.proactive import ProactiveEngine, load_rules
from ticket_service.domain.sla import load_policy_table
from ticket_service.entrypoints.api import router
from ticket_service.proactive_service import ProactiveService
from ticket_service.scheduler import run_proactive_loop, run_sla_loop
from ticket_service.tickets import TicketRules


def create_app(settings: TicketSettings | None = None) -> FastAPI:
    """The ticket_service ASGI app."""
    settings = settings or TicketSettings()
    rules = TicketRules(
        policies=load_policy_table(overrides=settings.sla_overrides),
        relink_window=timedelta(hours=settings.relink_window_h),
    )
    proactive = ProactiveService(ProactiveEngine(load_rules()), rules)
    consumer = EventConsumer(rules, proactive)

    async def on_start(rt: Runtime) -> None:
        rt.spawn(run_sla_loop(rt.uow, interval_s=settings.sla_tick_s), name="ticket.sla")
        rt.spawn(
            run_proactive_loop(rt.uow, proactive, interval_s=settings.proactive_tick_s),
            name="ticket.proactive",
        )

    app = build_service_app(
        name="ticket_service",
        settings=settings,
        migrations=Path(__file__).with_name("migrations"),
        routers=[router],
        subscriptions=[
            Subscription(topics=(chat.TOPIC, routing.TOPIC, exchange.TOPIC), handler=consumer)
        ],
        on_start=on_start,
    )
    app.state.ticket_rules = rules
    return app
