"""The catalog of processes, read from catalog.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from shared.settings import SERVER_KEEP_ALIVE_S

CATALOG_FILE = Path(__file__).with_name("catalog.toml")


@dataclass(frozen=True)
class ProcessSpec:
    """One process of the desk."""

    name: str
    module: str
    env_prefix: str
    port_offset: int
    database: str
    topics_in: tuple[str, ...]
    topics_out: tuple[str, ...]

    def serve_command(self, *, host: str, port: int) -> list[str]:
        """The uvicorn command that serves this process, here and in the deploy manifests."""
        return [
            "uvicorn",
            self.module,
            "--factory",
            "--host",
            host,
            "--port",
            str(port),
            "--timeout-keep-alive",
            str(SERVER_KEEP_ALIVE_S),
        ]


@dataclass(frozen=True)
class Catalog:
    processes: tuple[ProcessSpec, ...]
    topics: tuple[str, ...]
    partitions: int

    def get(self, name: str) -> ProcessSpec:
        """The process of that name."""
        for spec in self.processes:
            if spec.name == name:
                return spec
        raise KeyError(name)


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read the catalog."""
    data = tomllib.loads(path.read_text())
    processes = tuple(
        ProcessSpec(
            name=p["name"],
            module=p["module"],
            env_prefix=p["env_prefix"],
            port_offset=int(p["port_offset"]),
            database=p["database"],
            topics_in=tuple(p["topics_in"]),
            topics_out=tuple(p["topics_out"]),
        )
        for p in data["process"]
    )
    return Catalog(
        processes=processes,
        topics=tuple(data["topics"]["names"]),
        partitions=int(data["topics"]["partitions"]),
    )
