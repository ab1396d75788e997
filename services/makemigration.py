"""Write a service's next Alembic revision from its models.

Usage: `python -m services.makemigration chat_service "add x"`.

Runs against a scratch database on a throw-away embedded PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command

from services.desk import ROOT
from services.infra import EmbeddedPostgres
from shared.migrations import alembic_config


def main(service: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        pg.start()
        try:
            asyncio.run(pg.create_databases(["scratch"]))
            url = pg.uri("scratch").replace("postgresql://", "postgresql+asyncpg://")
            cfg = alembic_config(ROOT / service / "migrations", url)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)
        finally:
            pg.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
