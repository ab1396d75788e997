"""Demo shifts: day, night and split-shift operators (they start offline)."""

from __future__ import annotations

import httpx

WEEKDAYS_9_TO_18 = {
    "tz": "Asia/Tokyo",
    "windows": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
    "holidays": ["2026-01-01", "2026-01-02", "2026-01-12", "2026-02-11", "2026-02-23"],
}
NIGHTS_22_TO_07 = {
    "tz": "Asia/Tokyo",
    "windows": [{"weekday": d, "start": "22:00", "end": "07:00"} for d in range(7)],
}
SPLIT_10_14_AND_18_22 = {
    "tz": "Asia/Tokyo",
    "windows": [
        {"weekday": d, "start": start, "end": end}
        for d in range(7)
        for start, end in (("10:00", "14:00"), ("18:00", "22:00"))
    ],
}

SHIFT_STAFF = [
    ("op-tax-day", "Kobayashi (tax, weekdays)", ["tax", "tier2"], ["ja"], WEEKDAYS_9_TO_18),
    ("op-night", "Watanabe (nights)", ["tier1"], ["ja", "en"], NIGHTS_22_TO_07),
    ("op-split", "Ito (split shift)", ["tier1"], ["ja"], SPLIT_10_14_AND_18_22),
]


def seed(client: httpx.Client, headers: dict[str, str]) -> str:
    """Create the shift operators if missing and (re)apply their weekly schedules."""
    listed = client.get("/api/v1/operators", headers=headers)
    listed.raise_for_status()
    ids = {o["username"]: o["id"] for o in listed.json()["items"]}
    for username, name, teams, languages, schedule in SHIFT_STAFF:
        if username not in ids:
            res = client.post(
                "/api/v1/operators",
                headers=headers,
                json={
                    "username": username,
                    "password": "operator-demo",
                    "display_name": name,
                    "role": "operator",
                    "teams": teams,
                    "languages": languages,
                    "max_concurrent": 3,
                },
            )
            if res.status_code != 201:
                raise RuntimeError(f"seeding {username} failed: {res.text}")
            ids[username] = res.json()["id"]
        res = client.put(
            f"/api/v1/operators/{ids[username]}/schedule", headers=headers, json=schedule
        )
        if res.status_code != 200:
            raise RuntimeError(f"scheduling {username} failed: {res.text}")
    return f"{len(SHIFT_STAFF)} shift operators with weekly schedules"
