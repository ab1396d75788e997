"""The CloudEvents 1.0 envelope every Kafka message travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class EventPayload(BaseModel):
    """Base of every event's `data`: names its type, topic and schema version."""

    # Consumers ignore fields they do not know yet, so producers can add fields first.
    model_config = ConfigDict(extra="ignore")

    event_type: ClassVar[str]
    topic: ClassVar[str]
    schema_version: ClassVar[int] = 1


class Envelope(BaseModel):
    """CloudEvents 1.0, JSON: the Kafka key and `subject` are the aggregate id."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    source: str
    type: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: int = 1
    data: dict[str, Any]

    def to_bytes(self) -> bytes:
        """Serialize to the JSON bytes that go on the wire."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        """Parse wire bytes; raises pydantic.ValidationError when they are not an envelope."""
        return cls.model_validate_json(raw)


def envelope_for(payload: EventPayload, *, subject: str, source: str) -> Envelope:
    """Wrap an event payload in an envelope keyed by its aggregate id."""
    return Envelope(
        source=source,
        type=payload.event_type,
        subject=subject,
        schemaversion=payload.schema_version,
        data=payload.model_dump(mode="json"),
    )
