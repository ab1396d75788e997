"""`python -m services run|up|down`: the desk in the foreground, detached, or stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from services.desk import Desk, DeskConfig
from services.infra import port_in_use
from services.seeds import seed

UP_TIMEOUT_S = 180


def banner(config: DeskConfig, *, detached: bool = False) -> str:
    base = f"http://127.0.0.1:{config.gateway_port}"
    lines = [
        "",
        "Madoguchi is running.",
        f"  API          {base}/api/v1   (OpenAPI: {base}/docs)",
        f"  websocket    ws://127.0.0.1:{config.gateway_port}/api/v1/ws",
        f"  Kafka        127.0.0.1:{config.broker_port}   (chat.events, routing.events, ...)",
        f"  data, logs   {config.data_dir}",
        "  logins       admin / "
        + ("(ADMIN_PASSWORD)" if os.environ.get("ADMIN_PASSWORD") else "admin"),
    ]
    if config.demo_data:
        lines += [
            "               supervisor / supervisor-demo",
            "               op-ja / operator-demo, op-en / operator-demo (tier 1)",
            '               customers: POST /api/v1/dev/customer-token {"customer_id": "cust-001"}',
        ]
    lines.append("make down stops everything." if detached else "Ctrl-C stops everything.")
    return "\n".join(lines)


def run() -> int:
    """Start the desk and keep it running until Ctrl-C or SIGTERM."""
    config = DeskConfig.from_env()
    for port, what in ((config.gateway_port, "GATEWAY_PORT"), (config.broker_port, "BROKER_PORT")):
        if port_in_use(port):
            print(
                f"port {port} ({what}) is already in use; is a desk running? (make down)",
                file=sys.stderr,
            )
            return 1
    desk = Desk(config)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        print("starting PostgreSQL and the broker ...", flush=True)
        desk.start_infrastructure()
        print("starting the services ...", flush=True)
        desk.start_processes()
        desk.wait_ready(UP_TIMEOUT_S, progress=True)
        print("seeding ...", flush=True)
        seed(f"http://127.0.0.1:{config.gateway_port}", config, progress=True)
        print(banner(config), flush=True)
        (config.data_dir / "ready").write_text(str(os.getpid()))
        while not stopping:
            for report in desk.watch_once():
                print(report, file=sys.stderr, flush=True)
            time.sleep(1)
    except Exception as exc:
        print(f"the desk failed to start: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        print("stopping ...", flush=True)
        (config.data_dir / "ready").unlink(missing_ok=True)
        desk.stop()
        print("stopped.", flush=True)
    return 0


def up() -> int:
    """Start the desk detached; return once the gateway is ready."""
    config = DeskConfig.from_env()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    pid_file = config.data_dir / "desk.pid"
    log_path = config.data_dir / "desk.log"
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services", "run"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file.write_text(str(proc.pid))
    url = f"http://127.0.0.1:{config.gateway_port}/readyz"
    deadline = time.monotonic() + UP_TIMEOUT_S
    ready_marker = config.data_dir / "ready"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if ready_marker.exists() and httpx.get(url, timeout=2).status_code == 200:
                print(banner(config, detached=True))
                return 0
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    print(f"the desk did not become ready within {UP_TIMEOUT_S}s; log tail:", file=sys.stderr)
    print("\n".join(log_path.read_text(errors="replace").splitlines()[-40:]), file=sys.stderr)
    _stop(pid_file)
    return 1


def _stop(pid_file: Path) -> None:
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink(missing_ok=True)
        return
    for _ in range(600):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def down() -> int:
    """Stop a desk started by `up`."""
    config = DeskConfig.from_env()
    pid_file = config.data_dir / "desk.pid"
    if not pid_file.exists():
        print("no desk is running here")
        return 0
    _stop(pid_file)
    print("stopped.")
    return 0


if __name__ == "__main__":
    commands = {"run": run, "up": up, "down": down}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        print("usage: python -m services run|up|down", file=sys.stderr)
        sys.exit(2)
    sys.exit(commands[sys.argv[1]]())
