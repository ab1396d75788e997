"""Which websocket frame an event becomes, and who may receive it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.contracts import Envelope


@dataclass(frozen=True)
class Routed:
    """A frame and its audience: the customer (if at all), named staff, subscribers."""

    frame: dict[str, Any]
    conversation_id: str
    customer_id: str | None
    staff_ids: frozenset[str]
    # The customer's own copy, when it differs (a redaction notice only they should read).
    customer_frame: dict[str, Any] | None = None


def _staff(*ids: Any) -> frozenset[str]:
    return frozenset(str(i) for i in ids if i)


def _message(data: dict[str, Any]) -> Routed:
    cid = data["conversation_id"]
    frame = {"type": "message.created", "conversation_id": cid, "message": data["message"]}
    customer_frame = None
    notice = data.get("redaction_notice")
    if notice and data["message"].get("author_type") == "customer":
        customer_frame = {**frame, "message": {**data["message"], "redaction_notice": notice}}
    return Routed(frame, cid, data["customer_id"], _staff(data.get("assignee_id")), customer_frame)


def _updated(data: dict[str, Any]) -> Routed:
    conv = data["conversation"]
    frame = {"type": "conversation.updated", "conversation": conv}
    if data.get("change"):
        frame["change"] = data["change"]
    # The previous assignee learns the conversation left them, and nothing after that.
    staff = _staff(conv.get("assignee_id"), data.get("previous_assignee_id"))
    return Routed(frame, conv["id"], conv["customer_id"], staff)


def _typing(data: dict[str, Any]) -> Routed:
    cid = data["conversation_id"]
    author = data["author_type"]
    frame = {"type": "typing", "conversation_id": cid, "author_type": author}
    # Nobody needs their own side's indicator echoed back.
    customer = data["customer_id"] if author != "customer" else None
    staff = _staff(data.get("assignee_id")) if author == "customer" else frozenset()
    return Routed(frame, cid, customer, staff)


def _read(data: dict[str, Any]) -> Routed:
    cid = data["conversation_id"]
    frame = {
        "type": "read",
        "conversation_id": cid,
        "reader_type": data["reader_type"],
        "seq": data["seq"],
    }
    return Routed(frame, cid, data["customer_id"], _staff(data.get("assignee_id")))


def _assist(data: dict[str, Any]) -> Routed:
    cid = data["conversation_id"]
    frame = {
        "type": "assist.suggestions",
        "conversation_id": cid,
        "suggestions": data.get("suggestions", []),
    }
    # Internal help for staff: never the customer.
    return Routed(frame, cid, None, _staff(data.get("assignee_id")))


def _transfer_rejected(data: dict[str, Any]) -> Routed:
    cid = data["conversation_id"]
    frame = {
        "type": "transfer.rejected",
        "conversation_id": cid,
        "operator_id": data["operator_id"],
        "reason": data.get("reason"),
    }
    # The operator who asked keeps the conversation and should know why.
    return Routed(frame, cid, None, _staff(data.get("from_operator_id")))


_BUILDERS = {
    "transfer.rejected": _transfer_rejected,
    "message.created": _message,
    "conversation.updated": _updated,
    "typing.started": _typing,
    "message.read": _read,
    "assist.suggested": _assist,
}


def route(env: Envelope) -> Routed | None:
    """The frame of an event and its audience, or None if it is not pushed."""
    build = _BUILDERS.get(env.type)
    if build is None:
        return None
    try:
        return build(env.data)
    except (KeyError, TypeError, AttributeError):
        return None  # a malformed event reaches no one rather than the wrong one
