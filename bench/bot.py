"""Bot benchmark through the public API: BANKING77 imported as 77 articles, every test
utterance asked. `uv run python -m bench.bot`.

Starts its own desk on free ports (no demo data), imports the training split through
`POST /kb/import`, times it, waits for kb_service's engine (and its background embedding,
bounded), sampling top-1 on every 10th test utterance 30, 60 and 120 s after the import began,
then asks each test utterance via `POST /bot/answer` and `GET /kb/search`; the same again
with 10 examples per intent, on a desk of its own. Prints how many questions the bot would
answer, and how many of those right, at each confidence threshold, and charts both curves in
var/bench/bot-tradeoff.svg. Last, on a desk with the demo FAQ, Japanese against English
(`bench/bot_demo.py`). Env: BANKING77_DIR, BENCH_LIMIT (test
utterances), BENCH_EMBED_WAIT_S (how long to wait for the background embedding).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from bench import bot_demo
from bench.chart import write_line_chart
from bench.client import Client, checked
from bench.report import pct, say
from bench.signals import exit_on_sigterm
from gateway.upstreams import Reply
from services.desk import Desk, desk_of_its_own
from services.seeds.kb import FAQ

DATA = Path(
    os.environ.get(
        "BANKING77_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "banking77"
    )
)
LIMIT = int(os.environ.get("BENCH_LIMIT", "0")) or None
EMBED_WAIT_S = float(os.environ.get("BENCH_EMBED_WAIT_S", "420"))
SHOTS = 10
SEED = 0
SEARCHERS = 4
CHECKPOINTS_S = (30.0, 60.0, 120.0)
SAMPLE_EVERY = 10
# One question in SAMPLE_EVERY is asked after a pause, as on a quiet desk, where the model's
# second thread has gone to sleep since the last question.
PAUSE_S = 0.1
# Confidence thresholds the answered-share/accuracy trade-off is printed at; the chart uses
# every hundredth.
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
CHART = Path("var/bench/bot-tradeoff.svg")
# Verdicts a threshold decides: an answer, or a hand-off only for want of confidence (not
# chit-chat, a price prediction or a request for a human).
DECIDABLE = ("answered", "low_confidence")

Outcome = tuple[float, bool]  # confidence of the best article, and whether it was right


def summary(latencies: list[float]) -> str:
    return f"median {statistics.median(latencies):.1f} ms, p95 {pct(latencies, 0.95):.1f} ms"


def engine_ms(res: Reply) -> float:
    """The engine's share of an answer, from kb_service's `Server-Timing: engine;dur=...`."""
    return float(res.headers.get("server-timing", "engine;dur=nan").partition(";dur=")[2])


def load_split(name: str) -> list[tuple[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8") as handle:
        return [(r["text"], r["category"]) for r in csv.DictReader(handle)]


def as_articles(rows: list[tuple[str, str]]) -> list[dict[str, Any]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        grouped[intent].append(text)
    return [
        {
            "key": intent,
            "language": "en",
            "title": intent.replace("_", " "),
            "body": f"Help article for: {intent.replace('_', ' ')}.",
            "category": "banking",
            "team": "tier1",
            "examples": examples,
        }
        for intent, examples in sorted(grouped.items())
    ]


def few_shot(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    grouped: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        grouped[intent].append(text)
    return [(t, intent) for intent in sorted(grouped) for t in rng.sample(grouped[intent], SHOTS)]


async def wait_for_engine(
    api: Client,
    headers: dict[str, str],
    *,
    full: bool,
    since: float | None = None,
    probe: Callable[[], Awaitable[float]] | None = None,
) -> float:
    """Seconds until the engine answers from the import (and, if `full`, all embedded).

    With `probe`, the accuracy is sampled at each of CHECKPOINTS_S after `since`, so the
    benchmark shows how good the bot is while the background embedding is still running.
    """
    began = time.perf_counter()
    deadline = began + (EMBED_WAIT_S if full else 180)
    checkpoints = list(CHECKPOINTS_S) if probe is not None else []
    last = ""
    while time.perf_counter() < deadline:
        status = (await api.get("/api/v1/kb/status", headers=headers)).json()
        line = f"    version {status['indexed_version']}/{status['version']}, " + (
            f"{status['embeddings_pending']} examples not embedded yet"
        )
        if line != last:
            say(f"{line}  (+{time.perf_counter() - began:.0f}s)")
            last = line
        if status["ready"] and (not full or status["embeddings_pending"] == 0):
            return time.perf_counter() - began
        elapsed = time.perf_counter() - (since or began)
        if probe is not None and checkpoints and elapsed >= checkpoints[0]:
            checkpoints.pop(0)
            say(
                f"    {elapsed:.0f}s after the import request, {status['embeddings_pending']} "
                f"not embedded yet: top-1 on sampled test questions {await probe():6.2%}"
            )
            continue
        await asyncio.sleep(1.0)
    say("    gave up waiting; measuring the engine as it is")
    return time.perf_counter() - began


async def sampled_top1(api: Client, headers: dict[str, str], tests: list[tuple[str, str]]) -> float:
    """Top-1 over every SAMPLE_EVERY-th test utterance (a quick reading during the import)."""
    sample = tests[::SAMPLE_EVERY]
    hits = 0
    for text, intent in sample:
        res = await api.get("/api/v1/kb/search", params={"q": text, "language": "en",
                            "limit": 1}, headers=headers)  # fmt: skip
        items = res.json()["items"]
        hits += bool(items) and items[0]["key"] == intent
    return hits / len(sample)


def tradeoff(outcomes: list[Outcome], asked: int, threshold: float) -> tuple[float, float]:
    """Share of questions the bot would answer at `threshold`, and how many of those right."""
    kept = [right for confidence, right in outcomes if confidence >= threshold]
    return len(kept) / asked, sum(kept) / max(len(kept), 1)


async def evaluate(
    api: Client, headers: dict[str, str], tests: list[tuple[str, str]]
) -> list[Outcome]:
    """Ask every test utterance: bot answers one by one (latency), searches in parallel.
    Returns each decidable answer's confidence and correctness.

    kb_service keeps recent questions' embeddings, so the latency is taken only over questions
    asked for the first time (the sampled ones were asked during the import).
    """
    decidable: dict[int, float] = {}  # question index -> confidence of its best article
    latencies: list[float] = []
    engine: list[float] = []  # kb_service's matching engine, from Server-Timing
    rest: list[float] = []
    answered = right = 0
    paused: list[float] = []
    for i, (text, intent) in enumerate(tests, 1):
        pause = i % SAMPLE_EVERY == SAMPLE_EVERY // 2
        if pause:
            await asyncio.sleep(PAUSE_S)
        began = time.perf_counter()
        res = await api.post("/api/v1/bot/answer", json={"text": text, "language": "en"},
                             headers=headers)  # fmt: skip
        took = (time.perf_counter() - began) * 1000
        if pause:
            paused.append(took)
        elif (i - 1) % SAMPLE_EVERY:
            latencies.append(took)
            engine.append(engine_ms(res))
            rest.append(latencies[-1] - engine[-1])
        body = res.json()
        answered += bool(body["answered"])
        right += bool(body["answered"]) and body["key"] == intent
        if body["reason"] in DECIDABLE:
            decidable[i - 1] = body["confidence"]
        if i % 500 == 0:
            say(f"    asked {i}/{len(tests)}")
    top1_right: dict[int, bool] = {}
    top3 = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(tests)):
        queue.put_nowait(index)

    async def searcher() -> None:
        nonlocal top3
        while not queue.empty():
            index = queue.get_nowait()
            text, intent = tests[index]
            res = await api.get("/api/v1/kb/search", params={"q": text, "language": "en",
                                "limit": 3}, headers=headers)  # fmt: skip
            keys = [item["key"] for item in res.json()["items"]]
            top1_right[index] = bool(keys) and keys[0] == intent
            top3 += intent in keys

    await asyncio.gather(*(searcher() for _ in range(SEARCHERS)))
    n = len(tests)
    top1 = sum(top1_right.values())
    # A hand-off names no article, but its best article is search's first: together they say
    # how a lower threshold would have answered.
    outcomes = [(confidence, top1_right[i]) for i, confidence in decidable.items()]
    say(f"    search top-1 {top1 / n:6.2%}  top-3 {top3 / n:6.2%}")
    say(f"    bot answered {answered / n:6.1%} of questions, {right / max(answered, 1):6.1%} of "
        f"them right; right answers over all questions {right / n:6.2%}")  # fmt: skip
    say(f"    /bot/answer latency at the client, {len(latencies)} questions asked for the first "
        f"time, one after another: {summary(latencies)}")  # fmt: skip
    say(f"      in the matching engine: {summary(engine)}; the rest (HTTP, gateway, database): "
        f"{summary(rest)}")  # fmt: skip
    say(f"      {len(paused)} more, each after a {PAUSE_S * 1000:.0f} ms pause: {summary(paused)}")
    say("    answered share against accuracy, by confidence threshold:")
    for threshold in THRESHOLDS:
        share, accuracy = tradeoff(outcomes, n, threshold)
        say(
            f"      threshold {threshold:.2f}: answered {share:6.1%}, {accuracy:6.1%} of them right"
        )
    return outcomes


async def repeat_latency(
    gateway: str, kb: str, headers: dict[str, str], tests: list[tuple[str, str]]
) -> None:
    """Questions asked again (their embeddings kept), through the gateway and of kb_service
    itself: what the rest of an answer costs, and what the gateway hop adds."""
    for label, base in (("through the gateway", gateway), ("of kb_service directly", kb)):
        latencies: list[float] = []
        async with Client(base) as client:
            for text, _ in tests[::SAMPLE_EVERY]:
                began = time.perf_counter()
                res = await client.post("/api/v1/bot/answer", json={"text": text,
                                        "language": "en"}, headers=headers)  # fmt: skip
                checked(res)
                latencies.append((time.perf_counter() - began) * 1000)
        say(f"    /bot/answer for {len(latencies)} questions asked again, {label}: "
            f"{summary(latencies)}")  # fmt: skip


async def run(
    label: str, rows: list[tuple[str, str]], tests: list[tuple[str, str]], desk: Desk, password: str
) -> list[Outcome]:
    """Import `rows` into a fresh desk and ask every test utterance."""
    gateway = desk.url("gateway")
    async with Client(gateway) as api:
        headers = await admin_headers(api, password)
        articles = as_articles(rows)
        say(f"importing {label}: {len(articles)} articles, {len(rows)} examples ...")
        began = time.perf_counter()
        res = await api.post("/api/v1/kb/import", json=articles, headers=headers)
        took = time.perf_counter() - began
        checked(res)
        say(f"  POST /kb/import: {res.status_code} {res.json()} in {took:.1f}s")
        ready = await wait_for_engine(api, headers, full=False)
        say(f"  engine answering from the import {took + ready:.1f}s after the request began")
        full = await wait_for_engine(
            api, headers, full=True, since=began, probe=lambda: sampled_top1(api, headers, tests)
        )
        say(f"  embedding stopped being waited for {took + ready + full:.1f}s after the request")
        sampled = await sampled_top1(api, headers, tests)
        say(f"    then: top-1 on the same sampled test questions {sampled:6.2%}")
        outcomes = await evaluate(api, headers, tests)
        await repeat_latency(gateway, desk.url("kb_service"), headers, tests)
        return outcomes


@contextlib.contextmanager
def fresh_desk() -> Iterator[tuple[Desk, str]]:
    """A desk of its own with no demo data, and its admin password; stopped on exit."""
    password = "bench-admin-password"
    say("starting a desk ...")
    with desk_of_its_own("madoguchi-bench-bot-", admin_password=password, demo_data=False) as desk:
        yield desk, password


async def admin_headers(api: Client, password: str) -> dict[str, str]:
    login = await api.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    return {"authorization": f"Bearer {checked(login).json()['access_token']}"}


async def demo(desk: Desk, password: str) -> None:
    """The demo FAQ imported, and its Japanese and English held-out questions asked once all
    is embedded."""
    async with Client(desk.url("gateway")) as api:
        headers = await admin_headers(api, password)
        faq = json.loads(FAQ.read_text(encoding="utf-8"))
        checked(await api.post("/api/v1/kb/import", json=faq, headers=headers))
        await wait_for_engine(api, headers, full=True)
        await bot_demo.report(api, headers)


def main() -> None:
    train, tests = load_split("train"), load_split("test")
    tests = tests[:LIMIT] if LIMIT else tests
    say(f"BANKING77 from {DATA}: {len(train)} training examples, {len(tests)} test utterances")
    curves: dict[str, list[tuple[float, float]]] = {}
    # Each phase gets a desk of its own: nothing embedded or asked before carries over.
    for label, rows in (("full training split", train), (f"{SHOTS} per intent", few_shot(train))):
        with fresh_desk() as (desk, password):
            outcomes = asyncio.run(run(label, rows, tests, desk, password))
            curves[label] = [tradeoff(outcomes, len(tests), t / 100) for t in range(100)]
    write_line_chart(
        CHART,
        curves,
        title="BANKING77 through the API: the bot's confidence threshold",
        x_label="share of questions answered",
        y_label="accuracy of the answers",
    )
    say(f"trade-off chart: {CHART}")
    say("the demo FAQ, Japanese against English:")
    with fresh_desk() as (desk, password):
        asyncio.run(demo(desk, password))


if __name__ == "__main__":
    exit_on_sigterm()
    main()
