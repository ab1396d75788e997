"""The whole desk as child processes: start from the catalog, watch, stop in order."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.catalog import Catalog, ProcessSpec, load_catalog
from services.infra import EmbeddedBroker, EmbeddedPostgres, free_port, free_port_block

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class DeskConfig:
    """Where the desk keeps its state and listens; read from the environment by `from_env`."""

    data_dir: Path
    gateway_port: int = 8000
    broker_port: int = 9092
    service_port_base: int = 8100
    admin_password: str = "admin"
    demo_data: bool = True
    dev_mode: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> DeskConfig:
        env = os.environ
        return cls(
            data_dir=Path(env.get("DATA_DIR", "./var")).resolve(),
            gateway_port=int(env.get("GATEWAY_PORT", "8000")),
            broker_port=int(env.get("BROKER_PORT", "9092")),
            service_port_base=int(env.get("SERVICE_PORT_BASE", "8100")),
            admin_password=env.get("ADMIN_PASSWORD", "admin"),
            demo_data=env.get("DEMO_DATA", "1") != "0",
        )

    def port_of(self, spec: ProcessSpec) -> int:
        if spec.port_offset == 0:
            return self.gateway_port
        return self.service_port_base + spec.port_offset

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"


@dataclass
class Child:
    spec: ProcessSpec
    port: int
    process: subprocess.Popen[bytes]
    restarts: int = 0


class Desk:
    """PostgreSQL, the broker and every process of the catalog."""

    def __init__(self, config: DeskConfig, catalog: Catalog | None = None) -> None:
        self.config = config
        self.catalog = catalog or load_catalog()
        self.postgres = EmbeddedPostgres(config.data_dir / "postgres")
        self.broker = EmbeddedBroker(config.broker_port, config.logs / "broker.log")
        self.children: dict[str, Child] = {}

    def url(self, name: str) -> str:
        """The base URL of a process."""
        return f"http://127.0.0.1:{self.config.port_of(self.catalog.get(name))}"

    def start_infrastructure(self) -> None:
        """Start PostgreSQL with one database per service, and the broker with its topics."""
        self.config.logs.mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        asyncio.run(
            self.postgres.create_databases(
                [p.database for p in self.catalog.processes if p.database]
            )
        )
        self.broker.start()
        asyncio.run(
            self.broker.create_topics(list(self.catalog.topics), partitions=self.catalog.partitions)
        )

    def env_for(self, spec: ProcessSpec) -> dict[str, str]:
        """The environment of one process: its settings under its own prefix."""
        p = spec.env_prefix
        env = {
            **os.environ,
            f"{p}_PORT": str(self.config.port_of(spec)),
            f"{p}_DEV_MODE": "true" if self.config.dev_mode else "false",
            f"{p}_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap,
            f"{p}_DEMO_DATA": "true" if self.config.demo_data else "false",
            "PYTHONUNBUFFERED": "1",
        }
        if spec.database:
            env[f"{p}_DATABASE_URL"] = self.postgres.uri(spec.database)
        if spec.name == "routing_service":
            env["ROUTING_ADMIN_PASSWORD"] = self.config.admin_password
        if spec.name == "gateway":
            for other in self.catalog.processes:
                if other.name != "gateway":
                    env[f"GATEWAY_{other.name.upper()}_URL"] = self.url(other.name)
        env.update(self.config.extra_env)
        return env

    def start_process(self, spec: ProcessSpec) -> Child:
        """Start one process under uvicorn, its output in DATA_DIR/logs/<name>.log."""
        port = self.config.port_of(spec)
        process = self.spawn(spec, port=port, log_name=spec.name, env=self.env_for(spec))
        child = Child(spec, port, process)
        self.children[spec.name] = child
        return child

    def spawn(
        self, spec: ProcessSpec, *, port: int, log_name: str, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        """Run `spec`'s app under uvicorn on `port` with `env`; output in logs/<log_name>.log.

        Also how tests add a second replica of a process to a running desk.
        """
        with (self.config.logs / f"{log_name}.log").open("ab") as log:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    *spec.serve_command(host="127.0.0.1", port=port),
                    "--no-access-log",
                    "--timeout-graceful-shutdown",
                    "5",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def start_processes(self) -> None:
        """Start every process of the catalog."""
        for spec in self.catalog.processes:
            self.start_process(spec)

    def wait_ready(self, timeout_s: float = 180, *, progress: bool = False) -> None:
        """Wait until every process answers /readyz with 200; raise with the log tail if not."""
        deadline = time.monotonic() + timeout_s
        pending = set(self.children)
        with httpx.Client(timeout=3) as client:
            while pending and time.monotonic() < deadline:
                for name in sorted(pending):
                    child = self.children[name]
                    if child.process.poll() is not None:
                        raise RuntimeError(f"{name} exited during start\n{self.log_tail(name)}")
                    try:
                        if client.get(f"{self.url(name)}/readyz").status_code == 200:
                            pending.discard(name)
                            if progress:
                                print(f"  ready: {name}", flush=True)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
        if pending:
            tails = "\n".join(self.log_tail(n) for n in sorted(pending))
            raise TimeoutError(f"not ready after {timeout_s}s: {sorted(pending)}\n{tails}")

    def watch_once(self) -> list[str]:
        """Restart any process that died; returns what was reported."""
        reports = []
        for name, child in list(self.children.items()):
            code = child.process.poll()
            if code is None:
                continue
            reports.append(f"{name} exited with code {code}; restarting\n{self.log_tail(name)}")
            restarted = self.start_process(child.spec)
            restarted.restarts = child.restarts + 1
        return reports

    def log_tail(self, name: str, lines: int = 30) -> str:
        """The last lines of a process's log."""
        path = self.config.logs / f"{name}.log"
        if not path.exists():
            return f"--- {name}: no log"
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {name} ({path}):\n" + "\n".join(tail)

    def stop_process(self, name: str, *, timeout_s: float = 10) -> None:
        """Stop one process: SIGTERM, then SIGKILL if it lingers."""
        child = self.children.pop(name, None)
        if child is None or child.process.poll() is not None:
            return
        child.process.terminate()
        try:
            child.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()

    def stop(self) -> None:
        """Stop every process, then the broker, then PostgreSQL."""
        for name in reversed(list(self.children)):
            self.stop_process(name)
        self.broker.stop()
        self.postgres.stop()


@contextlib.contextmanager
def desk_of_its_own(
    prefix: str,
    *,
    admin_password: str,
    demo_data: bool = True,
    extra_env: dict[str, str] | None = None,
    progress: bool = False,
) -> Iterator[Desk]:
    """A desk in a temporary folder on free ports, started and ready (demo data not yet
    seeded), for a benchmark or a tool that must not meet `make run`'s; stopped on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        config = DeskConfig(
            data_dir=Path(tmp) / "desk",
            gateway_port=free_port(),
            broker_port=free_port(),
            service_port_base=free_port_block(10),
            admin_password=admin_password,
            demo_data=demo_data,
            extra_env=extra_env or {},
        )
        desk = Desk(config)
        try:
            desk.start_infrastructure()
            desk.start_processes()
            desk.wait_ready(180, progress=progress)
            yield desk
        finally:
            desk.stop()
