"""The AsyncAPI 3 document for partners, generated from the event models.

`python -m shared.contracts.asyncapi > docs/asyncapi.json`; a test fails when the committed
file drifts from the models.
"""

from __future__ import annotations

import json
from typing import Any

from shared.contracts import TOPICS, EventPayload, all_payload_types
from shared.contracts.envelope import Envelope

OWNERS = {
    "chat.events": "chat_service",
    "routing.events": "routing_service",
    "ticket.events": "ticket_service",
    "kb.events": "kb_service",
    "monitor.events": "monitor_service",
    "exchange.events": "the exchange (upstream; consumed, never produced by the desk)",
}


def _message_name(event_type: str) -> str:
    return event_type.replace(".", "_")


def _envelope_schema(payload: type[EventPayload]) -> dict[str, Any]:
    envelope = Envelope.model_json_schema()
    envelope["properties"]["type"] = {"const": payload.event_type}
    envelope["properties"]["schemaversion"] = {"const": payload.schema_version}
    envelope["properties"]["data"] = {"$ref": f"#/components/schemas/{payload.__name__}"}
    envelope["title"] = f"{payload.__name__}Envelope"
    return envelope


def build_document() -> dict[str, Any]:
    """The whole AsyncAPI 3.0 document as a dict, in a stable order."""
    payloads = sorted(all_payload_types().values(), key=lambda p: (p.topic, p.event_type))
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for payload in payloads:
        schema = payload.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas[name] = definition
        schemas[payload.__name__] = schema
        name = _message_name(payload.event_type)
        messages[name] = {
            "name": payload.event_type,
            "title": payload.__name__,
            "summary": (payload.__doc__ or "").strip().splitlines()[0] if payload.__doc__ else "",
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"correlation_id": {"type": "string"}, "ce_type": {"type": "string"}},
            },
            "payload": _envelope_schema(payload),
        }
    for topic in TOPICS:
        names = [_message_name(p.event_type) for p in payloads if p.topic == topic]
        channels[topic] = {
            "address": topic,
            "description": f"Owned by {OWNERS[topic]}. Kafka key = CloudEvents subject = "
            "the aggregate id, so one aggregate's events keep their order.",
            "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in names},
        }
        operations[f"receive_{topic.replace('.', '_')}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{topic}"},
            "summary": f"Partners consume {topic}.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Madoguchi desk events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 JSON envelopes on Kafka. Consumers must ignore "
            "fields they do not know; dead letters go to <topic>.dlq.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render() -> str:
    """The document as the committed JSON text."""
    return json.dumps(build_document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
