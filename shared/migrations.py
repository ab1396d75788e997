"""Alembic at start-up: each service migrates its own database from its own history."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

MIGRATION_LOCK_ID = 0x6D696772  # replicas starting together migrate one at a time


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic config for one service's history and database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade_to_head(script_location: Path, url: str) -> None:
    """Apply every pending migration (in a thread: Alembic's env runs its own loop)."""
    cfg = alembic_config(script_location, url)
    await asyncio.to_thread(command.upgrade, cfg, "head")


def run_env(target_metadata: MetaData | Sequence[MetaData]) -> None:
    """The body of every service's migrations/env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    def migrate(connection: Connection) -> None:
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
        context.configure(connection=connection, target_metadata=target_metadata)
        context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        await engine.dispose()

    asyncio.run(main())
