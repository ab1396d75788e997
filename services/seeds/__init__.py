"""Demo data, loaded through the public API like any client would.

Each service's demo data lives in a module of this package with a `seed(client, headers)`
function; they run in SEEDERS order after the staff accounts exist.
"""

from __future__ import annotations

import importlib

import httpx

from services.desk import DeskConfig

# Modules of this package, run in order; each is optional until its service seeds something.
SEEDERS = ("staff", "kb", "routing", "tickets")


def seed(base_url: str, config: DeskConfig, *, progress: bool = False) -> None:
    """Seed the admin session and, with DEMO_DATA=1, every service's demo data; idempotent."""
    if not config.demo_data:
        return
    with httpx.Client(base_url=base_url, timeout=60) as client:
        res = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": config.admin_password}
        )
        if res.status_code != 200:
            raise RuntimeError(f"admin login failed: {res.status_code} {res.text}")
        headers = {"authorization": f"Bearer {res.json()['access_token']}"}
        for name in SEEDERS:
            try:
                module = importlib.import_module(f"services.seeds.{name}")
            except ModuleNotFoundError:
                continue
            summary = module.seed(client, headers)
            if progress:
                print(f"  {name}: {summary}", flush=True)
