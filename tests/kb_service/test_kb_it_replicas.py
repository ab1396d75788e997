"""A second kb_service on the same desk: an article reaches both, each message is answered once.

The second replica shares kb's database, the broker and the consumer group with the desk's own;
it is started for this module and stopped at its end.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.desk import Desk
from services.infra import free_port
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until

API = "/api/v1"
REPLICA_LOG = "kb_service-2"
# Demo FAQ questions the bot answers (it hands off what it cannot, which ends the bot's turn).
QUESTIONS = ("暗号資産の購入方法を教えてください", "取引手数料はいくら？", "日本円を入金したい")


async def _supervisor(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await staff_token(api, "supervisor", "supervisor-demo"))


@pytest.fixture(scope="module")
async def second_kb(desk: Desk) -> AsyncIterator[str]:
    """One more kb_service process on the desk: same database, broker and consumer group."""
    port = free_port()
    env = desk.env_for(desk.catalog.get("kb_service")) | {"KB_PORT": str(port)}
    process = desk.spawn(desk.catalog.get("kb_service"), port=port, log_name=REPLICA_LOG, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=3) as client:

            async def ready() -> bool:
                assert process.poll() is None, desk.log_tail(REPLICA_LOG)
                try:
                    return (await client.get(f"{url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            # Ready means fitted; loading the model takes a while on a busy two-core machine.
            await wait_until(ready, timeout_s=60, interval_s=0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _article(tag: str) -> tuple[dict[str, Any], str]:
    """An article about a made-up service only this test knows, and a question for it."""
    word = f"Quillvane{tag}"
    article = {
        "key": f"kbtest_replica_{tag}",
        "language": "en",
        "title": f"Booking a {word} cold-storage vault slot",
        "body": f"Book a {word} vault slot from My Page > Custody > {word} ({tag}).",
        "category": "account",
        "team": "tier1",
        "examples": [
            f"how do I book a {word} vault slot",
            f"reserve a {word} cold storage slot",
            f"where can I get a {word} vault",
        ],
    }
    return article, f"How can I book a {word} vault slot?"


@pytest.mark.parametrize("writer", ["desk", "second"])
async def test_an_article_written_on_one_replica_is_searched_and_answered_on_the_other(
    api: httpx.AsyncClient, desk: Desk, second_kb: str, writer: str
) -> None:
    first = desk.url("kb_service")
    write_url, read_url = (first, second_kb) if writer == "desk" else (second_kb, first)
    headers = await _supervisor(api)
    customer = bearer(await customer_token(api, language="en"))
    article, question = _article(uuid.uuid4().hex[:8])
    async with (
        httpx.AsyncClient(base_url=write_url, timeout=20) as writing,
        httpx.AsyncClient(base_url=read_url, timeout=20) as reading,
    ):

        async def answered() -> dict[str, Any] | None:
            res = await reading.post(f"{API}/bot/answer", json={"text": question}, headers=customer)
            assert res.status_code == 200, res.text
            body: dict[str, Any] = res.json()
            return body if body["key"] == article["key"] else None

        created = await writing.post(f"{API}/kb/articles", json=article, headers=headers)
        assert created.status_code == 201, created.text
        # The other replica learns of it only through the stored version it polls.
        answer = await wait_until(answered, timeout_s=30, interval_s=0.3)
        assert answer["answered"] is True and answer["article_id"] == created.json()["id"]
        assert article["body"] in answer["text"]
        found = await reading.get(
            f"{API}/kb/search", params={"q": question, "limit": 3}, headers=customer
        )
        assert found.status_code == 200
        top = found.json()["items"][0]
        assert (top["key"], top["article_id"]) == (article["key"], created.json()["id"])


async def _consumed(url: str) -> int:
    """The customer and bot messages a replica has consumed so far, from its metrics."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    found = re.search(
        r'^events_consumed_total\{consumer="kb_service\.events",type="message\.created"\} (\S+)$',
        text,
        re.MULTILINE,
    )
    return int(float(found.group(1))) if found else 0


async def _authors(
    api: httpx.AsyncClient, conversation_id: str, headers: dict[str, str]
) -> list[str]:
    """Who wrote each message of a conversation, in order."""
    res = await api.get(f"{API}/conversations/{conversation_id}/messages", headers=headers)
    assert res.status_code == 200, res.text
    return [m["author_type"] for m in res.json()["items"]]


async def _converse(api: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A customer asks the bot each question in turn, waiting for each answer like a person."""
    customer = bearer(await customer_token(api, language="ja"))
    res = await api.post(
        f"{API}/conversations", json={"language": "ja", "text": QUESTIONS[0]}, headers=customer
    )
    assert res.status_code == 201, res.text
    conversation_id = res.json()["id"]
    for asked, text in enumerate(QUESTIONS, 1):
        if asked > 1:
            sent = await api.post(
                f"{API}/conversations/{conversation_id}/messages",
                json={"text": text, "client_msg_id": f"q{asked}"},
                headers=customer,
            )
            assert sent.status_code == 201, sent.text

        async def replied(n: int = asked) -> bool:
            authors = await _authors(api, conversation_id, customer)
            assert "system" not in authors, f"handed off instead of answering: {authors}"
            return authors.count("bot") >= n

        await wait_until(replied, timeout_s=45, interval_s=0.2)
    return conversation_id, customer


async def test_with_two_replicas_each_customer_message_gets_exactly_one_bot_reply(
    api: httpx.AsyncClient, desk: Desk, second_kb: str
) -> None:
    replicas = (desk.url("kb_service"), second_kb)
    before = [await _consumed(url) for url in replicas]
    conversations: list[tuple[str, dict[str, str]]] = []
    # Conversations land on partitions by id: more of them until each replica has had some.
    for _ in range(4):
        conversations += await asyncio.gather(*(_converse(api) for _ in range(4)))
        after = [await _consumed(url) for url in replicas]
        if all(a > b for a, b in zip(after, before, strict=True)):
            break
    assert all(a > b for a, b in zip(after, before, strict=True)), (
        f"both replicas should have consumed some of the messages: {before} -> {after}"
    )
    # A second answer to the same message would arrive about as fast as the first.
    await asyncio.sleep(3)
    for conversation_id, customer in conversations:
        authors = await _authors(api, conversation_id, customer)
        assert authors == ["customer", "bot"] * len(QUESTIONS), (conversation_id, authors)
