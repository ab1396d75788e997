"""Routing benchmark: assignment throughput and decision latency on a real PostgreSQL, plus
the simulated-day ETA error. `uv run python -m bench.routing` (bounded: about a minute)."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bench.signals import exit_on_sigterm
from routing_service.adapters import repository as repo
from routing_service.adapters.orm import OperatorRow, RoutedConversationRow
from routing_service.dispatcher import assign_next
from routing_service.domain.simulation import simulate_day
from routing_service.quotes import refresh_quotes
from services.infra import EmbeddedPostgres
from shared.db import UnitOfWork, make_engine, make_sessionmaker
from shared.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parent.parent / "routing_service" / "migrations"
CONVERSATIONS, OPERATORS, DISPATCHERS, DEADLINE_S = 2000, 300, 2, 90.0
NOW = datetime(2026, 3, 9, 1, tzinfo=UTC)
QUEUES = [(t, lang) for t in ("tier1", "tier2", "tax", "security") for lang in ("ja", "en")]


async def seed(make_uow: type[UnitOfWork] | object, uow: UnitOfWork) -> None:
    """300 operators (1-2 teams, 1-2 languages, 5-10 chats each) and 2,000 queued chats."""
    rng = random.Random(1)
    teams = ["tier1", "tier2", "tax", "security"]
    async with uow:
        await uow.session.execute(
            insert(OperatorRow),
            [
                {
                    "id": f"op-{i:03}",
                    "username": f"op-{i:03}",
                    "password_hash": "-",
                    "display_name": "op",
                    "role": "operator",
                    "teams": rng.sample(teams, rng.randint(1, 2)),
                    "languages": rng.sample(["ja", "en"], rng.randint(1, 2)),
                    "max_concurrent": rng.randint(5, 10),
                    "presence": "available",
                    "active_count": 0,
                }
                for i in range(OPERATORS)
            ],
        )
        rows = []
        for i in range(CONVERSATIONS):
            team, lang = rng.choice(QUEUES)
            at = NOW - timedelta(seconds=rng.randint(0, 7200))
            rows.append(
                {
                    "conversation_id": f"c-{i:05}",
                    "customer_id": f"cust-{i}",
                    "team": team,
                    "language": lang,
                    "priority": rng.choice([0, 0, 0, 1, 5]),
                    "category": None,
                    "security": False,
                    "state": "queued",
                    "boosted": False,
                    "enqueued_at": at,
                    "first_queued_at": at,
                    "answered": False,
                }
            )
        await uow.session.execute(insert(RoutedConversationRow), rows)
        await uow.commit()


async def dispatcher(make_uow: object, latencies: list[float], done: list[int]) -> None:
    """One replica's loop: every decision is its own transaction, timed from query to commit."""
    assert callable(make_uow)
    while True:
        progressed = False
        async with make_uow() as uow:
            waiting = await repo.waiting_queues(uow.session)
        for team, language in waiting:
            started = time.perf_counter()
            async with make_uow() as uow:
                if await assign_next(uow, team=team, language=language, now=NOW):
                    await uow.commit()
                    latencies.append(time.perf_counter() - started)
                    done[0] += 1
                    progressed = True
                    if done[0] % 250 == 0:
                        print(f"  {done[0]} assigned", flush=True)
        if not progressed:
            return


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-routing-") as tmp:
        print("starting PostgreSQL ...", flush=True)
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        pg.start()
        try:
            await pg.create_databases(["routing"])
            url = pg.uri("routing").replace("postgresql://", "postgresql+asyncpg://")
            await upgrade_to_head(MIGRATIONS, url)
            engines = [make_engine(url, pool_size=4) for _ in range(DISPATCHERS)]
            makers = [make_sessionmaker(e) for e in engines]

            def factory(i: int) -> object:
                return lambda: UnitOfWork(makers[i], source="bench/routing")

            await seed(None, UnitOfWork(makers[0], source="bench/routing"))
            async with UnitOfWork(makers[0], source="bench") as uow:
                team, lang = (await repo.waiting_queues(uow.session))[0]
                size = await uow.session.scalar(
                    select(func.count()).where(
                        RoutedConversationRow.team == team, RoutedConversationRow.language == lang
                    )
                )
                started = time.perf_counter()
                sent = await refresh_quotes(
                    uow, team=team, language=lang, now=NOW, prior_handle_s=600
                )
                quote_s = time.perf_counter() - started
            print(f"quoting one queue of {size}: {quote_s * 1000:.0f} ms ({sent} queue.updated)")
            print(
                f"dispatching {CONVERSATIONS} queued chats to {OPERATORS} operators "
                f"with {DISPATCHERS} concurrent dispatchers ...",
                flush=True,
            )
            latencies: list[float] = []
            done = [0]
            started = time.perf_counter()
            await asyncio.wait_for(
                asyncio.gather(
                    *(dispatcher(factory(i), latencies, done) for i in range(DISPATCHERS))
                ),
                DEADLINE_S,
            )
            elapsed = time.perf_counter() - started
            latencies.sort()
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"assigned {done[0]} in {elapsed:.1f} s: {done[0] / elapsed:.0f} assignments/s")
            print(
                f"decision latency: median {statistics.median(latencies) * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms"
            )
            for engine in engines:
                await engine.dispose()
        finally:
            pg.stop()
    print("simulating a day at the desk ...", flush=True)
    report = simulate_day()
    print(f"simulated day: {report.n} served, {report.n_queued} waited or were quoted a wait")
    print(
        f"ETA error (all): median {report.median_abs_error_s:.0f} s, "
        f"p90 {report.p90_abs_error_s:.0f} s, mean signed {report.mean_error_s:+.0f} s"
    )
    print(
        f"ETA error (those who waited): median {report.queued_median_abs_error_s:.0f} s, "
        f"p90 {report.queued_p90_abs_error_s:.0f} s; naive position x AHT: "
        f"{report.naive_queued_median_abs_error_s:.0f} s"
    )
    print(f"waits: mean {report.mean_wait_s:.0f} s, p90 {report.p90_wait_s:.0f} s")


if __name__ == "__main__":
    exit_on_sigterm()
    asyncio.run(main())
