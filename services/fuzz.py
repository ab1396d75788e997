"""Fuzz every service's REST API from its own OpenAPI schema, on a desk of its own.

Schemathesis sends each operation generated valid and invalid requests, directly and through
the gateway, as a customer and as a supervisor. Any 5xx is a failure: bad input must get a
4xx problem. Exits 1 when one was found; its report names the request (`make fuzz`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import httpx

from services.desk import desk_of_its_own
from services.seeds import seed

SERVICES = ("chat_service", "routing_service", "ticket_service", "kb_service", "monitor_service")
# The gateway proxies what the exchange's apps call; staff screens call the same routes.
THROUGH_GATEWAY = ("chat_service", "ticket_service", "kb_service")
ADMIN_PASSWORD = "fuzz-admin-password"


def say(message: str) -> None:
    print(message, flush=True)


def tokens(gateway: str) -> dict[str, str]:
    """A bearer token per kind of caller, from the demo accounts."""
    with httpx.Client(base_url=gateway, timeout=30) as client:
        customer = client.post("/api/v1/dev/customer-token", json={"customer_id": "cust-001"})
        supervisor = client.post(
            "/api/v1/auth/login", json={"username": "supervisor", "password": "supervisor-demo"}
        )
    return {
        "customer": customer.raise_for_status().json()["access_token"],
        "supervisor": supervisor.raise_for_status().json()["access_token"],
    }


def fuzz(schema: str, base: str, token: str, examples: int, workdir: Path) -> tuple[bool, str]:
    """Run schemathesis once (its cache goes to `workdir`); whether it passed, and its summary
    or failure report."""
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [str(st), "run", schema, "--url", base, "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error", "--max-examples", str(examples), "--workers", "1",
         "--no-color"],
        capture_output=True, text=True, check=False, cwd=workdir,
    )  # fmt: skip
    lines = run.stdout.splitlines()
    if run.returncode == 0:
        return True, next((line.strip() for line in lines if " generated, " in line), "")
    start = next((i for i, line in enumerate(lines) if "FAILURES" in line), 0)
    return False, "\n".join(lines[start:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=25, help="examples per operation")
    args = parser.parse_args()
    say("starting a desk with the demo data ...")
    with desk_of_its_own("madoguchi-fuzz-", admin_password=ADMIN_PASSWORD) as desk:
        gateway = desk.url("gateway")
        say("seeding the demo data ...")
        seed(gateway, desk.config)
        callers = tokens(gateway)
        runs = [(s, desk.url(s), role) for s in SERVICES for role in callers]
        runs += [(s, gateway, "customer") for s in THROUGH_GATEWAY]
        failed = 0
        for n, (service, base, role) in enumerate(runs, 1):
            via = "through the gateway" if base == gateway else "directly"
            say(f"[{n}/{len(runs)}] {service} {via}, as a {role} ...")
            schema = f"{desk.url(service)}/openapi.json"
            passed, report = fuzz(schema, base, callers[role], args.examples, desk.config.data_dir)
            say(f"    {report}" if passed else report)
            failed += not passed
    say(f"{len(runs) - failed} of {len(runs)} runs found no server error")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
