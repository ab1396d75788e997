"""Chat benchmark: how soon the bot replies in chat, messages/s one chat_service stores and
publishes, and the delay from a customer's POST to a subscribed supervisor's websocket frame.
`uv run python -m bench.chat`.

Starts its own desk on free ports (like the tests), bounded to a few minutes in all.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import websockets
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.report import pct, say
from bench.signals import exit_on_sigterm
from kb_service.matching.seed import load_eval
from services.desk import Desk, desk_of_its_own
from services.seeds import seed

PHASE_S = float(sys.argv[1]) if len(sys.argv) > 1 else 12.0
CUSTOMERS = 32
WORKERS = 16
BOT_QUESTIONS = 60


async def customers(gateway: str) -> list[tuple[str, str]]:
    """Customer tokens, each with a conversation of their own."""
    out = []
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as api:
        for i in range(CUSTOMERS):
            res = await api.post("/api/v1/dev/customer-token", json={"customer_id": f"bench-{i}"})
            token = res.json()["access_token"]
            conv = await api.post(
                "/api/v1/conversations", json={}, headers={"authorization": f"Bearer {token}"}
            )
            out.append((token, conv.json()["id"]))
    return out


async def post_load(
    base: str,
    convs: list[tuple[str, str]],
    *,
    seconds: float,
    sent: dict[str, float],
    rate_per_s: float | None = None,
) -> tuple[int, int]:
    """Post messages for `seconds`: closed loop, or paced at `rate_per_s` in all."""
    ok = failed = 0
    stop = time.monotonic() + seconds
    gap = WORKERS / rate_per_s if rate_per_s else 0.0

    async def worker(w: int, api: httpx.AsyncClient) -> None:
        nonlocal ok, failed
        n = 0
        next_at = time.monotonic() + (w * gap / WORKERS)
        while time.monotonic() < stop:
            if gap:
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                next_at += gap
            token, cid = convs[(w + n * WORKERS) % len(convs)]
            text = f"bench {uuid.uuid4().hex}"
            sent[text] = time.monotonic()
            res = await api.post(
                f"{base}/api/v1/conversations/{cid}/messages",
                json={"text": text, "client_msg_id": uuid.uuid4().hex},
                headers={"authorization": f"Bearer {token}"},
            )
            if res.status_code == 201:
                ok += 1
            else:
                failed += 1
            n += 1

    limits = httpx.Limits(max_connections=WORKERS * 2)
    async with httpx.AsyncClient(timeout=30, limits=limits) as api:
        await asyncio.gather(*(worker(w, api) for w in range(WORKERS)))
    return ok, failed


async def count_published(
    bootstrap: str,
    texts: dict[str, float],
    seen: dict[str, float],
    *,
    ready: asyncio.Event,
    done: asyncio.Event,
) -> None:
    """Note when each benchmark message.created came off the broker."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        parts = [
            TopicPartition("chat.events", p)
            for p in consumer.partitions_for_topic("chat.events") or ()
        ]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        ready.set()
        while not (done.is_set() and len(seen) >= len(texts)):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    env = json.loads(r.value or b"{}")
                    if env.get("type") == "message.created":
                        text = env["data"]["message"]["text"]
                        if text in texts:
                            seen[text] = time.monotonic()
    finally:
        await consumer.stop()


async def watch(
    gateway: str, token: str, ready: asyncio.Event, note: Callable[[dict[str, Any]], None]
) -> None:
    """A supervisor socket subscribed to everything, passing each message frame to `note`."""
    url = gateway.replace("http://", "ws://") + "/api/v1/ws"
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.recv()
        await ws.send(json.dumps({"type": "subscribe", "conversation_id": "*"}))
        await ws.recv()
        ready.set()
        async for raw in ws:
            frame: dict[str, Any] = json.loads(raw)
            if frame.get("type") == "message.created":
                note(frame)


def arrivals(sent: dict[str, float], got: dict[str, float]) -> Callable[[dict[str, Any]], None]:
    """Note when each message the benchmark sent arrives as a frame."""

    def note(frame: dict[str, Any]) -> None:
        if frame["message"]["text"] in sent:
            got[frame["message"]["text"]] = time.monotonic()

    return note


async def bot_replies(gateway: str, sup: str) -> None:
    """New customers asking the demo FAQ's held-out questions in chat, one at a time: the time
    from the POST to the first reply (the bot's answer, or the line that a person will take
    over) at a supervisor's socket."""
    held_out = load_eval()
    questions = held_out[:: max(1, len(held_out) // BOT_QUESTIONS)]
    asked: dict[str, float] = {}
    replied: dict[str, float] = {}
    handed_off = 0

    def note(frame: dict[str, Any]) -> None:
        nonlocal handed_off
        cid, author = frame["conversation_id"], frame["message"]["author_type"]
        # The bot's answer, or the desk's line that a person will take over.
        if author in ("bot", "system") and cid in asked and cid not in replied:
            replied[cid] = time.monotonic()
            handed_off += author == "system"

    staff = {"authorization": f"Bearer {sup}"}
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as api:
        for _ in range(600):  # the seeded FAQ fitted and embedded, up to 2 minutes
            status = (await api.get("/api/v1/kb/status", headers=staff)).json()
            if status["ready"] and status["embeddings_pending"] == 0:
                break
            await asyncio.sleep(0.2)
    ready = asyncio.Event()
    watcher = asyncio.ensure_future(watch(gateway, sup, ready, note))
    await ready.wait()
    say(f"bot: {len(questions)} new customers each asking it one question in chat")
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as api:
        for i, q in enumerate(questions):
            res = await api.post("/api/v1/dev/customer-token", json={"customer_id": f"ask-{i}"})
            headers = {"authorization": f"Bearer {res.json()['access_token']}"}
            conv = await api.post(
                "/api/v1/conversations", json={"language": q["language"]}, headers=headers
            )
            cid = conv.json()["id"]
            asked[cid] = time.monotonic()
            await api.post(
                f"/api/v1/conversations/{cid}/messages",
                json={"text": q["text"], "client_msg_id": uuid.uuid4().hex},
                headers=headers,
            )
            for _ in range(150):  # up to 30 s for the reply
                if cid in replied:
                    break
                await asyncio.sleep(0.02)
    watcher.cancel()
    delays = [(replied[c] - asked[c]) * 1000 for c in replied]
    say(
        f"  {len(replied) - handed_off} answered, {handed_off} handed to a person, "
        f"{len(asked) - len(replied)} without a reply in 30 s: POST -> first reply median "
        f"{statistics.median(delays):.0f} ms, p95 {pct(delays, 0.95):.0f} ms"
    )


async def main(desk: Desk) -> None:
    gateway, chat = desk.url("gateway"), desk.url("chat_service")
    convs = await customers(gateway)
    async with httpx.AsyncClient(base_url=gateway) as api:
        login = await api.post(
            "/api/v1/auth/login", json={"username": "supervisor", "password": "supervisor-demo"}
        )
        sup = login.json()["access_token"]

    # First, while nothing else is queued at kb_service behind the questions.
    await bot_replies(gateway, sup)
    say(f"phase 1: {WORKERS} senders straight at chat_service for {PHASE_S:.0f}s")
    sent: dict[str, float] = {}
    published: dict[str, float] = {}
    finished = asyncio.Event()
    listening = asyncio.Event()
    reader = asyncio.ensure_future(
        count_published(desk.broker.bootstrap, sent, published, ready=listening, done=finished)
    )
    await listening.wait()
    started = time.monotonic()
    ok, failed = await post_load(chat, convs, seconds=PHASE_S, sent=sent)
    stored_s = time.monotonic() - started
    finished.set()
    try:
        await asyncio.wait_for(reader, 60)
    except TimeoutError:
        reader.cancel()
    last = max(published.values()) if published else started
    stored_rate = ok / stored_s
    say(f"  stored {ok} messages ({failed} refused) in {stored_s:.1f}s: {stored_rate:.0f} msg/s")
    say(
        f"  published {len(published)} message.created; all on the broker after "
        f"{last - started:.1f}s: {len(published) / (last - started):.0f} msg/s"
    )

    for label, rate in (("saturating", None), ("paced at half", stored_rate / 2)):
        sent2: dict[str, float] = {}
        got: dict[str, float] = {}
        ready = asyncio.Event()
        watcher = asyncio.ensure_future(watch(gateway, sup, ready, arrivals(sent2, got)))
        await ready.wait()
        await asyncio.sleep(1.0)
        pace = "closed loop" if rate is None else f"{rate:.0f} msg/s"
        say(f"phase 2 ({label}): customers through the gateway, {pace}, for {PHASE_S:.0f}s")
        ok2, _ = await post_load(gateway, convs, seconds=PHASE_S, sent=sent2, rate_per_s=rate)
        for _ in range(100):  # up to 20 s for the stragglers
            if len(got) >= ok2:
                break
            await asyncio.sleep(0.2)
        watcher.cancel()
        delays = [(got[t] - sent2[t]) * 1000 for t in got]
        say(
            f"  {ok2} sent, {len(got)} frames at the supervisor ({ok2 / PHASE_S:.0f} msg/s): "
            f"POST -> frame median {statistics.median(delays):.0f} ms, "
            f"p99 {pct(delays, 0.99):.0f} ms, max {max(delays):.0f} ms"
        )


def run() -> None:
    say("starting a desk (PostgreSQL, broker, every service) ...")
    with desk_of_its_own(
        "madoguchi-bench-chat-",
        admin_password="bench-admin-password",
        # The benchmark measures throughput, not the per-customer flood limit.
        extra_env={"GATEWAY_MESSAGE_BURST": "1000000", "GATEWAY_MESSAGE_RATE_PER_S": "1000000"},
        progress=True,
    ) as desk:
        seed(desk.url("gateway"), desk.config)
        asyncio.run(main(desk))


if __name__ == "__main__":
    exit_on_sigterm()
    run()
