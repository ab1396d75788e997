"""Demo staff accounts: a supervisor and operators across teams and languages."""

from __future__ import annotations

import httpx

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


def seed(client: httpx.Client, headers: dict[str, str]) -> str:
    """Create the demo staff (409 means they exist already)."""
    for staff in DEMO_STAFF:
        res = client.post("/api/v1/operators", json=staff, headers=headers)
        if res.status_code not in (201, 409):
            raise RuntimeError(f"seeding {staff['username']} failed: {res.text}")
    return f"{len(DEMO_STAFF)} staff accounts"
