"""/readyz follows the database: 503 while it is unreachable, 200 once it is back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from services.desk import ROOT
from services.infra import EmbeddedBroker, EmbeddedPostgres, free_port
from tests.support.waiting import wait_until


async def test_readyz_is_503_while_the_database_is_down_and_200_when_it_is_back(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg")
    pg.start()
    await pg.create_databases(["kb"])
    await broker.create_topics(["chat.events", "kb.events"], partitions=1)
    port = free_port()
    env = {
        **os.environ,
        "KB_DATABASE_URL": pg.uri("kb"),
        "KB_DEV_MODE": "true",
        "KB_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
    }
    log = (tmp_path / "kb.log").open("wb")
    process = subprocess.Popen(  # noqa: ASYNC220 - starting, not waiting
        [
            sys.executable,
            "-m",
            "uvicorn",
            "kb_service.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/readyz"

    def status_is(code: int):  # type: ignore[no-untyped-def]
        async def check() -> bool:
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    return (await client.get(url)).status_code == code
            except httpx.HTTPError:
                return False

        return check

    try:
        await wait_until(status_is(200), timeout_s=90, interval_s=0.5)
        pg.stop()
        await wait_until(status_is(503), timeout_s=30, interval_s=0.5)
        async with httpx.AsyncClient(timeout=5) as client:
            body = (await client.get(url)).json()
        assert body["checks"]["database"].startswith("down")
        assert body["checks"]["broker"] == "ok"
        pg.start()
        await wait_until(status_is(200), timeout_s=30, interval_s=0.5)
    finally:
        process.terminate()
        process.wait(10)
        pg.stop()
