"""Start-up time and idle memory of the whole desk: `uv run python -m bench.desk`.

Starts the desk as `make up` does (its own ports and data directory), times it to ready,
lets it idle, then sums the resident memory of every process it started.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench.signals import exit_on_sigterm
from services.desk import ROOT
from services.infra import free_port, free_port_block

IDLE_S = 15


def desk_processes(pgdata: Path, runner_pid: int) -> list[psutil.Process]:
    """The runner, its children (services, broker) and the PostgreSQL processes of its data."""
    runner = psutil.Process(runner_pid)
    found = [runner, *runner.children(recursive=True)]
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(pgdata) in cmdline:
            found += [proc, *proc.children(recursive=True)]
    return list({p.pid: p for p in found}.values())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        data = Path(tmp) / "var"
        env = {
            **os.environ,
            "DATA_DIR": str(data),
            "GATEWAY_PORT": str(free_port()),
            "BROKER_PORT": str(free_port()),
            "SERVICE_PORT_BASE": str(free_port_block(10)),
        }
        print("starting the desk (python -m services up) ...", flush=True)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "services", "up"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        ready_s = time.monotonic() - started
        print(f"ready after {ready_s:.1f} s (gateway /readyz 200, demo data seeded)", flush=True)
        try:
            url = f"http://127.0.0.1:{env['GATEWAY_PORT']}/readyz"
            assert httpx.get(url, timeout=5).status_code == 200
            print(f"idling {IDLE_S} s ...", flush=True)
            time.sleep(IDLE_S)
            runner_pid = int((data / "desk.pid").read_text())
            procs = desk_processes(data / "postgres", runner_pid)
            rss: dict[str, int] = {}
            for proc in procs:
                try:
                    name = proc.name()
                    if name.startswith("python"):
                        args = proc.cmdline()
                        name = next((a.split(".")[0] for a in args if ":create_app" in a), "runner")
                    rss[name] = rss.get(name, 0) + proc.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            total = sum(rss.values())
            print(f"idle memory (RSS) of {len(procs)} processes: {total / 2**20:.0f} MiB")
            for name, value in sorted(rss.items(), key=lambda kv: -kv[1]):
                print(f"  {name:<22} {value / 2**20:7.1f} MiB")
        finally:
            subprocess.run(
                [sys.executable, "-m", "services", "down"],
                cwd=ROOT,
                env=env,
                check=False,
                stdout=subprocess.DEVNULL,
            )


if __name__ == "__main__":
    exit_on_sigterm()
    main()
