"""The partner-facing event contract: every promised type exists, the AsyncAPI file is current."""

from __future__ import annotations

from pathlib import Path

from shared.contracts import all_payload_types
from shared.contracts.asyncapi import render

ASYNCAPI_FILE = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.json"

PARTNER_TYPES = {
    "conversation.opened",
    "message.created",
    "conversation.handoff_requested",
    "conversation.assigned",
    "conversation.escalated",
    "conversation.closed",
    "csat.submitted",
    "bot.answered",
    "ticket.created",
    "ticket.status_changed",
    "ticket.sla_breached",
}


def test_every_partner_facing_event_type_has_a_model() -> None:
    assert PARTNER_TYPES <= set(all_payload_types())


def test_every_event_type_is_dotted_lower_case_past_tense_or_a_state() -> None:
    for event_type in all_payload_types():
        assert event_type == event_type.lower() and "." in event_type, event_type


def test_the_committed_asyncapi_document_matches_the_models() -> None:
    assert ASYNCAPI_FILE.read_text() == render(), (
        "docs/asyncapi.json is stale: run `make asyncapi` and commit it"
    )
