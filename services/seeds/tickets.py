"""Demo tickets: a few demo customers start conversations, so the ticket list is never empty.

The customer 360 of cust-001..cust-010 comes from the exchange simulator, not from here.
"""

from __future__ import annotations

import httpx

DEMO_INQUIRIES = [
    ("cust-001", "ja", "出金がまだ届いていません。確認をお願いします。"),
    ("cust-006", "en", "How do I change the phone number on my account?"),
    ("cust-008", "ja", "取引履歴の年間報告書はどこでダウンロードできますか？"),
]


def seed(client: httpx.Client, headers: dict[str, str]) -> str:
    """Open one conversation per demo inquiry unless its customer already has a ticket."""
    opened = 0
    for customer_id, language, text in DEMO_INQUIRIES:
        existing = client.get(
            "/api/v1/tickets", params={"customer_id": customer_id, "limit": 1}, headers=headers
        )
        if existing.status_code == 200 and existing.json()["items"]:
            continue
        token = client.post(
            "/api/v1/dev/customer-token", json={"customer_id": customer_id, "language": language}
        )
        if token.status_code != 200:
            return "skipped (dev mode off)"
        auth = {"authorization": f"Bearer {token.json()['access_token']}"}
        res = client.post(
            "/api/v1/conversations", json={"language": language, "text": text}, headers=auth
        )
        if res.status_code != 201:
            raise RuntimeError(f"seeding a conversation for {customer_id} failed: {res.text}")
        opened += 1
    return f"{opened} demo inquiries opened (tickets follow from conversation.opened)"
