"""Producer and consumer construction with the settings every service shares."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def make_producer(bootstrap: str, *, idempotence: bool, client_id: str) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica (aiokafka's own default is acks=1)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=idempotence,
        linger_ms=2,
        request_timeout_ms=15000,
        retry_backoff_ms=200,
    )


def make_consumer(
    bootstrap: str,
    *topics: str,
    group_id: str,
    client_id: str,
    from_latest: bool = False,
    fetch_max_wait_ms: int = 500,
) -> AIOKafkaConsumer:
    """A group consumer that commits offsets by hand, after the handler's transaction."""
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="latest" if from_latest else "earliest",
        # Kafka's minimum: a dead member's partitions move on within seconds.
        session_timeout_ms=6000,
        heartbeat_interval_ms=1500,
        max_poll_records=200,
        fetch_max_wait_ms=fetch_max_wait_ms,
        metadata_max_age_ms=5000,
    )
