"""Demo data, loaded through the public API like any client would."""

from __future__ import annotations

import httpx

from services.desk import DeskConfig

DEMO_STAFF = [
    {
        "username": "supervisor",
        "password": "supervisor-demo",
        "display_name": "Sato (supervisor)",
        "role": "supervisor",
        "teams": ["tier1", "tier2"],
        "languages": ["ja", "en"],
        "max_concurrent": 0,
    },
    {
        "username": "op-ja",
        "password": "operator-demo",
        "display_name": "Tanaka",
        "role": "operator",
        "teams": ["tier1"],
        "languages": ["ja"],
        "max_concurrent": 3,
    },
    {
        "username": "op-en",
        "password": "operator-demo",
        "display_name": "Smith",
        "role": "operator",
        "teams": ["tier1"],
        "languages": ["en", "ja"],
        "max_concurrent": 3,
    },
    {
        "username": "op-tier2",
        "password": "operator-demo",
        "display_name": "Suzuki",
        "role": "operator",
        "teams": ["tier2", "system"],
        "languages": ["ja", "en"],
        "max_concurrent": 2,
    },
    {
        "username": "op-security",
        "password": "operator-demo",
        "display_name": "Takahashi",
        "role": "operator",
        "teams": ["security", "legal", "tax"],
        "languages": ["ja", "en"],
        "max_concurrent": 2,
    },
]


def seed(base_url: str, config: DeskConfig, *, progress: bool = False) -> None:
    """Seed demo operators (and, as services grow, articles and customers); idempotent."""
    if not config.demo_data:
        return
    with httpx.Client(base_url=base_url, timeout=30) as client:
        res = client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": config.admin_password}
        )
        if res.status_code != 200:
            raise RuntimeError(f"admin login failed: {res.status_code} {res.text}")
        token = res.json()["access_token"]
        headers = {"authorization": f"Bearer {token}"}
        for staff in DEMO_STAFF:
            res = client.post("/api/v1/operators", json=staff, headers=headers)
            if res.status_code not in (201, 409):
                raise RuntimeError(f"seeding {staff['username']} failed: {res.text}")
        if progress:
            print(f"  seeded {len(DEMO_STAFF)} demo staff accounts", flush=True)
