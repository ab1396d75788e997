"""Concurrent senders through the gateway: seq stays gap-free and retries stay single."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.support.desk_client import bearer, customer_token, staff_token

API = "/api/v1/conversations"


async def test_concurrent_senders_get_gap_free_seq_in_send_order_per_sender(
    api: httpx.AsyncClient,
) -> None:
    customer = await customer_token(api)
    supervisor = await staff_token(api, "supervisor", "supervisor-demo")
    cid = (await api.post(API, json={}, headers=bearer(customer))).json()["id"]

    async def sender(token: str, name: str) -> list[int]:
        seqs = []
        for i in range(8):  # sequential per sender: its own order must survive
            res = await api.post(
                f"{API}/{cid}/messages",
                json={"text": f"{name}-{i}", "client_msg_id": f"{name}-{i}"},
                headers=bearer(token),
            )
            assert res.status_code == 201, res.text
            seqs.append(res.json()["seq"])
        return seqs

    results = await asyncio.gather(
        sender(customer, "c1"), sender(customer, "c2"), sender(supervisor, "s1")
    )
    listed = (
        await api.get(f"{API}/{cid}/messages", params={"limit": 500}, headers=bearer(customer))
    ).json()["items"]
    # The bot may have replied to a customer message in between: its reply takes a seq too.
    assert [m["seq"] for m in listed] == list(range(1, len(listed) + 1))
    assert len([m for m in listed if m["author_type"] not in ("bot", "system")]) == 24
    for seqs in results:
        assert seqs == sorted(seqs)
    by_seq = {m["seq"]: m["text"] for m in listed}
    for name, seqs in zip(("c1", "c2", "s1"), results, strict=True):
        assert [by_seq[s] for s in seqs] == [f"{name}-{i}" for i in range(8)]


async def test_a_client_msg_id_sent_ten_times_at_once_makes_one_message(
    api: httpx.AsyncClient,
) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    body = {"text": "送金できません", "client_msg_id": uuid.uuid4().hex}
    answers = await asyncio.gather(
        *(api.post(f"{API}/{cid}/messages", json=body, headers=bearer(token)) for _ in range(10))
    )
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = (await api.get(f"{API}/{cid}/messages", headers=bearer(token))).json()["items"]
    # Only the customer's: the bot may already have answered it.
    assert [m["seq"] for m in listed if m["author_type"] == "customer"] == [1]


async def test_paging_by_after_seq_returns_each_message_once_in_order(
    api: httpx.AsyncClient,
) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    for i in range(7):
        await api.post(
            f"{API}/{cid}/messages",
            json={"text": f"m{i}", "client_msg_id": str(i)},
            headers=bearer(token),
        )
    seen: list[dict] = []
    after = 0
    while True:
        page = (
            await api.get(
                f"{API}/{cid}/messages",
                params={"after_seq": after, "limit": 3},
                headers=bearer(token),
            )
        ).json()["items"]
        if not page:
            break
        seen += page
        after = page[-1]["seq"]
    # The bot may have answered in between: every message once and in order, the customer's
    # seven among them.
    assert [m["seq"] for m in seen] == list(range(1, len(seen) + 1))
    customer = [m["text"] for m in seen if m["author_type"] == "customer"]
    assert customer == [f"m{i}" for i in range(7)]
