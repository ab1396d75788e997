"""Proactive support: rules as data, evaluated on exchange events and scheduler ticks.

Inputs are `ExchangeEvent`s (payload fields in `exchange.EXCHANGE_EVENT_SCHEMA`), scheduler
ticks, and customer contacts (the service calls `on_customer_contact` on
`conversation.opened`). The engine holds only rules; everything it learns lives in a
`ProactiveState` the service persists, and the `on_*` methods update it in place.
Each rule fires at most once per cause: its dedupe key (rule id + cause, e.g. a withdrawal
id) is kept in `state.fired`.

Triggers: `withdrawal_pending` and `deposit_uncredited` (time-based: `threshold_s` after the
request/detection with no completion/credit), `kyc_rejected`, `login_new_device` and
`login_new_country` (a customer's first login only learns the baseline), `incident_active`
(a customer contacts us while an exchange incident is active).
Action kinds: `open_conversation` (message in ja and en), `warn_operator` (staff note),
`bot_message` (the bot says the message in the customer's current conversation).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from ticket_service.domain.exchange import ExchangeEvent
from ticket_service.domain.proactive_state import Pending, ProactiveState, new_pending

__all__ = [
    "Action",
    "ActionKind",
    "DueCheck",
    "Pending",
    "ProactiveEngine",
    "ProactiveState",
    "Rule",
    "Trigger",
    "load_rules",
]

RULES_PATH = Path(__file__).resolve().parent.parent / "rules" / "proactive.json"


class Trigger(StrEnum):
    """What makes a rule fire."""

    WITHDRAWAL_PENDING = "withdrawal_pending"
    DEPOSIT_UNCREDITED = "deposit_uncredited"
    KYC_REJECTED = "kyc_rejected"
    LOGIN_NEW_DEVICE = "login_new_device"
    LOGIN_NEW_COUNTRY = "login_new_country"
    INCIDENT_ACTIVE = "incident_active"


class ActionKind(StrEnum):
    """What the service does when a rule fires."""

    OPEN_CONVERSATION = "open_conversation"
    WARN_OPERATOR = "warn_operator"
    BOT_MESSAGE = "bot_message"


@dataclass(frozen=True)
class Rule:
    """One proactive rule; `message` maps language to a template, `note` is for staff."""

    id: str
    trigger: Trigger
    action: ActionKind
    threshold_s: float = 0.0
    message: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    team: str = "tier1"
    priority: str = "normal"
    enabled: bool = True

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        """Build from one entry of `rules/proactive.json`."""
        return cls(
            id=str(data["id"]),
            trigger=Trigger(data["trigger"]),
            action=ActionKind(data["action"]),
            threshold_s=float(data.get("threshold_s", 0)),
            message=dict(data.get("message", {})),
            note=data.get("note"),
            team=str(data.get("team", "tier1")),
            priority=str(data.get("priority", "normal")),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass(frozen=True)
class Action:
    """What a fired rule asks the service to do, for one customer and one cause."""

    rule_id: str
    kind: ActionKind
    customer_id: str
    dedupe_key: str
    message: Mapping[str, str]
    note: str | None
    team: str
    priority: str
    cause: Mapping[str, Any]


@dataclass(frozen=True)
class DueCheck:
    """A time-based rule that will fire at `due_at` unless its cause completes first."""

    rule_id: str
    cause_id: str
    customer_id: str
    due_at: datetime


_TIMED = {
    Trigger.WITHDRAWAL_PENDING: ("pending_withdrawals", "withdrawal_id"),
    Trigger.DEPOSIT_UNCREDITED: ("pending_deposits", "deposit_id"),
}


class ProactiveEngine:
    """Evaluates rules against a `ProactiveState`; holds no state of its own."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(r for r in rules if r.enabled)

    def on_event(self, state: ProactiveState, event: ExchangeEvent, now: datetime) -> list[Action]:
        """Learn from one exchange event and return the actions it fires."""
        customer = event.customer_id
        kind = event.type
        if kind == "exchange.incident.started":
            incident = {k: event.text(k) for k in ("title_ja", "title_en", "severity")}
            state.active_incidents[event.text("incident_id")] = incident
        elif kind == "exchange.incident.resolved":
            state.active_incidents.pop(event.text("incident_id"), None)
        elif customer is None:
            return []
        elif kind == "exchange.withdrawal.requested":
            cause_id = event.text("withdrawal_id")
            state.pending_withdrawals[cause_id] = new_pending(event, customer)
            # It may arrive after its threshold (consumer lag): check this cause right away.
            return self._tick(state, now, only=(Trigger.WITHDRAWAL_PENDING, cause_id))
        elif kind in ("exchange.withdrawal.completed", "exchange.withdrawal.failed"):
            _settle(state.pending_withdrawals, event.text("withdrawal_id"), customer)
        elif kind == "exchange.deposit.detected":
            cause_id = event.text("deposit_id")
            state.pending_deposits[cause_id] = new_pending(event, customer)
            return self._tick(state, now, only=(Trigger.DEPOSIT_UNCREDITED, cause_id))
        elif kind == "exchange.deposit.credited":
            _settle(state.pending_deposits, event.text("deposit_id"), customer)
        elif kind == "exchange.kyc.rejected":
            cause = event.text("application_id", event.id)
            data = {"application_id": cause, "reason_code": event.text("reason_code")}
            return self._fire(state, Trigger.KYC_REJECTED, customer, cause, data)
        elif kind == "exchange.login.succeeded":
            return self._on_login(state, event, customer)
        return []

    def on_tick(self, state: ProactiveState, now: datetime) -> list[Action]:
        """Fire every time-based rule whose threshold has passed."""
        return self._tick(state, now)

    def _tick(
        self, state: ProactiveState, now: datetime, only: tuple[Trigger, str] | None = None
    ) -> list[Action]:
        actions: list[Action] = []
        for check in self.due_checks(state, now):
            rule = next(r for r in self.rules if r.id == check.rule_id)
            if only is not None and (rule.trigger, check.cause_id) != only:
                continue
            table, id_field = _TIMED[rule.trigger]
            pending = getattr(state, table)[check.cause_id]
            cause = {id_field: check.cause_id, **pending.details}
            cause["minutes"] = str(int(rule.threshold_s // 60))
            actions += self._fire_one(state, rule, check.customer_id, check.cause_id, cause)
        return actions

    def due_checks(self, state: ProactiveState, now: datetime) -> list[DueCheck]:
        """Time-based checks due by `now` that have not fired yet."""
        return [c for c in self._checks(state) if c.due_at <= now]

    def next_check_at(self, state: ProactiveState) -> datetime | None:
        """When the scheduler must next call `on_tick`, or None if nothing is pending."""
        return min((c.due_at for c in self._checks(state)), default=None)

    def on_customer_contact(self, state: ProactiveState, *, customer_id: str) -> list[Action]:
        """A customer contacts us: tell them about each active incident, once per incident."""
        actions: list[Action] = []
        for incident_id, incident in sorted(state.active_incidents.items()):
            cause = {"incident_id": incident_id, **incident}
            actions += self._fire(state, Trigger.INCIDENT_ACTIVE, customer_id, incident_id, cause)
        return actions

    def _on_login(self, state: ProactiveState, event: ExchangeEvent, customer: str) -> list[Action]:
        device, country = event.text("device_id"), event.text("country").upper()
        devices = state.known_devices.setdefault(customer, set())
        countries = state.known_countries.setdefault(customer, set())
        first_login = not devices and not countries
        actions: list[Action] = []
        cause = {"device_id": device, "country": country}
        if device and device not in devices and not first_login:
            actions += self._fire(state, Trigger.LOGIN_NEW_DEVICE, customer, device, cause)
        if country and country not in countries and not first_login:
            actions += self._fire(state, Trigger.LOGIN_NEW_COUNTRY, customer, country, cause)
        if device:
            devices.add(device)
        if country:
            countries.add(country)
        return actions

    def _checks(self, state: ProactiveState) -> list[DueCheck]:
        checks = []
        for rule in self.rules:
            if rule.trigger not in _TIMED:
                continue
            pending: dict[str, Pending] = getattr(state, _TIMED[rule.trigger][0])
            for cause_id, item in pending.items():
                if _key(rule, item.customer_id, cause_id) in state.fired:
                    continue
                due = item.since + timedelta(seconds=rule.threshold_s)
                checks.append(DueCheck(rule.id, cause_id, item.customer_id, due))
        return sorted(checks, key=lambda c: (c.due_at, c.rule_id, c.cause_id))

    def _fire(
        self,
        state: ProactiveState,
        trigger: Trigger,
        customer: str,
        cause_id: str,
        cause: dict[str, str],
    ) -> list[Action]:
        actions: list[Action] = []
        for rule in self.rules:
            if rule.trigger is trigger:
                actions += self._fire_one(state, rule, customer, cause_id, cause)
        return actions

    def _fire_one(
        self, state: ProactiveState, rule: Rule, customer: str, cause_id: str, cause: dict[str, str]
    ) -> list[Action]:
        key = _key(rule, customer, cause_id)
        if key in state.fired:
            return []
        state.fired.add(key)
        values = _Template(cause)
        message = {lang: text.format_map(values) for lang, text in rule.message.items()}
        note = rule.note.format_map(values) if rule.note else None
        action = Action(
            rule_id=rule.id,
            kind=rule.action,
            customer_id=customer,
            dedupe_key=key,
            message=message,
            note=note,
            team=rule.team,
            priority=rule.priority,
            cause=cause,
        )
        return [action]


def load_rules(path: Path = RULES_PATH) -> tuple[Rule, ...]:
    """Read the rules file (`{"rules": [...]}`)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Rule.from_dict(r) for r in data["rules"])


class _Template(dict[str, str]):
    # An unknown placeholder stays visible instead of raising in the middle of a tick.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _key(rule: Rule, customer: str, cause_id: str) -> str:
    return f"{rule.id}:{customer}:{cause_id}"


def _settle(pending: dict[str, Pending], cause_id: str, customer: str) -> None:
    # Ids are only trusted together with their owner: another customer cannot settle it.
    item = pending.get(cause_id)
    if item is not None and item.customer_id == customer:
        del pending[cause_id]
