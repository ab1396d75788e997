"""W3C trace context: a `traceparent` that follows a request into events and their consumers."""

from __future__ import annotations

import contextvars
import re
import secrets

TRACEPARENT_HEADER = "traceparent"
_FORMAT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

traceparent: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "traceparent", default=None
)


def valid(value: str | None) -> str | None:
    """The value if it is a well-formed version-00 traceparent, else None."""
    if value and (match := _FORMAT.match(value.strip().lower())):
        trace_id, span_id, _ = match.groups()
        if trace_id != "0" * 32 and span_id != "0" * 16:
            return value.strip().lower()
    return None


def child_of(parent: str | None) -> str:
    """A new span in the parent's trace, or in a new trace when there is no valid parent."""
    checked = valid(parent)
    trace_id = checked.split("-")[1] if checked else secrets.token_hex(16)
    flags = checked.split("-")[3] if checked else "01"
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"
