"""Demo knowledge base: the bilingual FAQ (kb_service/seed/faq.json) through the import API."""

from __future__ import annotations

import json

import httpx

from services.desk import ROOT

FAQ = ROOT / "kb_service" / "seed" / "faq.json"


def seed(client: httpx.Client, headers: dict[str, str]) -> str:
    """Import the demo FAQ; importing again only replaces the same articles."""
    articles = json.loads(FAQ.read_text(encoding="utf-8"))
    res = client.post("/api/v1/kb/import", json=articles, headers=headers)
    if res.status_code != 200:
        raise RuntimeError(f"importing the demo FAQ failed: {res.status_code} {res.text}")
    body = res.json()
    return f"{body['created']} articles created, {body['updated']} updated"
