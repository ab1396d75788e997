"""Ticket benchmarks on an embedded PostgreSQL of their own: list latency and breach lag.

`uv run python -m bench.tickets` — bulk-loads 1,000,000 tickets (generate_series), times the
filtered `GET /tickets` query through the service's own repository code (first and deep
keyset pages), then loads 100,000 open tickets with real SLA clocks and measures how late the
scheduler reports breaches that fall due while it runs. Bounded: a few minutes in all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import text

from bench.report import pct
from bench.signals import exit_on_sigterm
from services.infra import EmbeddedPostgres
from shared.db import UnitOfWork, make_engine, make_sessionmaker
from shared.migrations import upgrade_to_head
from ticket_service.adapters import repository as repo
from ticket_service.adapters.codec import clock_to_dict
from ticket_service.domain.sla import SlaClock, SlaPolicy, SlaTarget
from ticket_service.scheduler import sweep_sla

LOAD_HEADROOM_S = 25.0  # the first deadline comes after the COPY and ANALYZE are done
MIGRATIONS = Path(__file__).resolve().parent.parent / "ticket_service" / "migrations"


def say(message: str) -> None:
    print(f"[bench.tickets {time.strftime('%H:%M:%S')}] {message}", flush=True)


LOAD_SQL = """
INSERT INTO tickets (id, customer_id, status, priority, category, team, assignee_id,
    conversation_ids, sla_breached, created_at, updated_at)
SELECT md5(g::text)::uuid::text,
       'cust-' || (g % {customers}),
       (ARRAY['new','open','open','pending_customer','pending_internal','escalated',
              'resolved','resolved','closed','closed','closed','closed'])[1 + g % 12],
       (ARRAY['low','normal','normal','high','urgent'])[1 + (g / 7) % 5],
       NULL,
       (ARRAY['tier1','tier1','tier1','tier2','tax','legal','system','security'])[1 + (g / 13) % 8],
       'op-' || (g % 300),
       ARRAY[md5('c' || g)::uuid::text],
       (g % 50 = 0),
       now() - make_interval(secs => g * 30),
       now() - make_interval(secs => g * 30)
FROM generate_series({start}, {stop}) AS g
"""


async def load_million(dsn: str, total: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        step = 200_000
        for start in range(0, total, step):
            stop = min(total, start + step) - 1
            t = time.perf_counter()
            await conn.execute(LOAD_SQL.format(customers=total // 10, start=start, stop=stop))
            say(f"  loaded {stop + 1:,}/{total:,} tickets ({time.perf_counter() - t:.1f} s)")
        await conn.execute("ANALYZE tickets")
    finally:
        await conn.close()


async def time_query(
    make_uow: Callable[[], UnitOfWork], flt: repo.TicketFilter, *, runs: int, deep: bool
) -> list[float]:
    cursor: str | None = None
    if deep:  # walk 20 pages in, then time the page after
        async with make_uow() as uow:
            for _ in range(20):
                _, cursor = await repo.list_rows(uow.session, flt, limit=50, cursor=cursor)
    samples = []
    for _ in range(runs):
        async with make_uow() as uow:
            t = time.perf_counter()
            rows, _ = await repo.list_rows(uow.session, flt, limit=50, cursor=cursor)
            samples.append((time.perf_counter() - t) * 1000)
            assert rows
    return samples


async def bench_list(make_uow: Callable[[], UnitOfWork], runs: int) -> None:
    shapes = {
        "status=open&team=tier2": repo.TicketFilter(statuses=("open",), team="tier2"),
        "status=open&team=tier2 (page 21)": repo.TicketFilter(statuses=("open",), team="tier2"),
        "customer_id=cust-4242": repo.TicketFilter(customer_id="cust-4242"),
        "breached=true&team=security": repo.TicketFilter(breached=True, team="security"),
        "status=escalated": repo.TicketFilter(statuses=("escalated",)),
    }
    for label, flt in shapes.items():
        samples = await time_query(make_uow, flt, runs=runs, deep="page 21" in label)
        say(
            f"  GET /tickets?{label}: median {statistics.median(samples):.2f} ms, "
            f"p99 {pct(samples, 0.99):.2f} ms over {runs} runs (limit 50)"
        )


async def load_open(dsn: str, total: int, due_soon: int, now: datetime, window_s: float) -> None:
    policy = SlaPolicy(first_response=SlaTarget(15 * 60), resolution=SlaTarget(24 * 3600))
    records: list[tuple[object, ...]] = []
    for i in range(total):
        # `due_soon` tickets fall due spread over the measuring window; the rest much later.
        if i < due_soon:
            due = now + timedelta(seconds=LOAD_HEADROOM_S + window_s * i / due_soon)
        else:
            due = now + timedelta(minutes=10, seconds=random.uniform(0, 3600))
        started = due - timedelta(minutes=15)
        clock = SlaClock(policy=policy, started_at=started)
        records.append(
            (
                str(uuid.uuid4()),
                f"cust-{i % 20_000}",
                "open",
                "normal",
                "tier1",
                clock_to_dict(clock),
                False,
                due,
                started + timedelta(hours=24),
                due,
                started,
                started,
                [],
            )
        )
    conn = await asyncpg.connect(dsn)
    try:
        # COPY is binary: jsonb's binary form is a version byte and the JSON text.
        await conn.set_type_codec(
            "jsonb",
            schema="pg_catalog",
            format="binary",
            encoder=lambda v: b"\x01" + json.dumps(v).encode(),
            decoder=lambda b: json.loads(b[1:]),
        )
        await conn.execute("TRUNCATE tickets")
        await conn.copy_records_to_table(
            "tickets",
            records=records,
            columns=[
                "id",
                "customer_id",
                "status",
                "priority",
                "team",
                "sla_state",
                "sla_breached",
                "first_response_due",
                "resolution_due",
                "next_due_at",
                "created_at",
                "updated_at",
                "conversation_ids",
            ],
        )
        await conn.execute("ANALYZE tickets")
    finally:
        await conn.close()


async def bench_breach_lag(
    make_uow: Callable[[], UnitOfWork], dsn: str, *, total: int, due_soon: int, tick_s: float
) -> None:
    window_s = 10.0
    now = datetime.now(UTC)
    t = time.perf_counter()
    await load_open(dsn, total, due_soon, now, window_s)
    say(
        f"  loaded {total:,} open tickets with SLA clocks via COPY "
        f"({time.perf_counter() - t:.1f} s); {due_soon:,} fall due over {window_s:.0f} s"
    )
    lags: list[float] = []
    sweeps: list[float] = []
    if datetime.now(UTC) > now + timedelta(seconds=LOAD_HEADROOM_S):
        say("  warning: loading outlasted the headroom; the first lags include load time")
    deadline = time.monotonic() + (now - datetime.now(UTC)).total_seconds() + LOAD_HEADROOM_S
    deadline += window_s + 5
    while time.monotonic() < deadline:
        t = time.perf_counter()
        async with make_uow() as uow:
            checked = await sweep_sla(uow, now=datetime.now(UTC))
            await uow.commit()
        committed = datetime.now(UTC)
        sweeps.append((time.perf_counter() - t) * 1000)
        if checked:
            async with make_uow() as uow:
                rows = await uow.session.execute(
                    text(
                        "SELECT envelope->'data'->>'due_at' FROM outbox "
                        "WHERE event_type = 'ticket.sla_breached' AND sent_at IS NULL"
                    )
                )
                for (due,) in rows:
                    lags.append((committed - datetime.fromisoformat(due)).total_seconds())
                await uow.session.execute(text("UPDATE outbox SET sent_at = now()"))
                await uow.commit()
        await asyncio.sleep(tick_s)
    say(f"  breach events: {len(lags):,} for {due_soon:,} deadlines (expect exactly one each)")
    if lags:
        say(
            f"  breach-detection lag at {total:,} open tickets (tick {tick_s:.1f} s): "
            f"median {statistics.median(lags) * 1000:.0f} ms, p99 {pct(lags, 0.99) * 1000:.0f} ms,"
            f" max {max(lags) * 1000:.0f} ms"
        )
    say(
        f"  sweep duration: median {statistics.median(sweeps):.1f} ms, "
        f"max {max(sweeps):.1f} ms over {len(sweeps)} sweeps"
    )


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-tickets-") as tmp:
        say("starting embedded PostgreSQL")
        pg = EmbeddedPostgres(Path(tmp) / "pg")
        pg.start()
        try:
            await pg.create_databases(["tickets"])
            dsn = pg.uri("tickets")
            url = dsn.replace("postgresql://", "postgresql+asyncpg://")
            await upgrade_to_head(MIGRATIONS, url)
            engine = make_engine(url, pool_size=2)
            sessions = make_sessionmaker(engine)

            def make_uow() -> UnitOfWork:
                return UnitOfWork(sessions, source="bench")

            say(f"bulk-loading {args.tickets:,} tickets")
            await load_million(dsn, args.tickets)
            say("ticket list latency (the service's keyset query)")
            await bench_list(make_uow, args.runs)
            say("breach detection")
            await bench_breach_lag(
                make_uow, dsn, total=args.open, due_soon=args.due, tick_s=args.tick
            )
            await engine.dispose()
        finally:
            pg.stop()


def _run(coro: Awaitable[None]) -> None:
    asyncio.run(coro)  # type: ignore[arg-type]


if __name__ == "__main__":
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--tick", type=float, default=1.0)
    _run(main(parser.parse_args()))
