"""The dead-letter topic: a message that cannot be decoded or applied, with the error in headers."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord


def dlq_topic(topic: str) -> str:
    """The dead-letter topic beside a topic."""
    return f"{topic}.dlq"


async def send_to_dlq(
    producer: AIOKafkaProducer,
    record: ConsumerRecord[bytes, bytes],
    *,
    error: Exception,
    consumer: str,
) -> None:
    """Copy the record, untouched, to `<topic>.dlq` and wait for the broker's ack."""
    headers = list(record.headers or ())
    headers += [
        ("dlq_error", f"{type(error).__name__}: {error}"[:4000].encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_source", f"{record.topic}:{record.partition}:{record.offset}".encode()),
    ]
    await producer.send_and_wait(
        dlq_topic(record.topic), record.value, key=record.key, headers=headers
    )
