"""A scratch database with the messaging tables, for tests that break the broker or a consumer."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.infra import EmbeddedPostgres
from shared.db import make_engine, make_sessionmaker
from shared.messaging.tables import messaging_metadata

scratch_metadata = MetaData()
applied = Table(
    "applied",
    scratch_metadata,
    Column("event_id", String(64), primary_key=True),
    Column("times", Integer, nullable=False),
)


@pytest.fixture
async def sessions(postgres: EmbeddedPostgres) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh database with outbox, inbox and `applied`."""
    name = f"fault_{uuid.uuid4().hex[:8]}"
    await postgres.create_databases([name])
    engine = make_engine(postgres.uri(name).replace("postgresql://", "postgresql+asyncpg://"))
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(scratch_metadata.create_all)
    yield make_sessionmaker(engine)
    await engine.dispose()
