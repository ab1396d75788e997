"""How long a snapshot takes over a read model of 10,000 conversations (printed, not asserted)."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

import monitor_service
from monitor_service.adapters.orm import ConversationRow, FactRow, OperatorRow, TicketRow
from monitor_service.readmodel import snapshot
from services.infra import EmbeddedPostgres
from shared.db import make_engine, make_sessionmaker
from shared.migrations import upgrade_to_head

CONVERSATIONS = 10_000
TEAMS = ("tier1", "tier2", "tax", "legal", "system", "security")


@pytest.fixture(scope="module")
def postgres(tmp_root: Path) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_root / "monitor-scale-pg")
    pg.start()
    try:
        yield pg
    finally:
        pg.stop()


def conversations(now: datetime, rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(CONVERSATIONS):
        status = rng.choices(("closed", "bot", "queued", "assigned"), (85, 5, 4, 6))[0]
        opened = now - timedelta(seconds=rng.uniform(60, 3 * 86400))
        assigned = opened + timedelta(seconds=30) if status in ("assigned", "closed") else None
        rows.append(
            {
                "id": f"c{i}",
                "customer_id": f"cust{i % 3000}",
                "status": status,
                "status_at": opened,
                "team": rng.choice(TEAMS),
                "language": rng.choice(("ja", "en")),
                "assignee_id": f"op{i % 60}" if status == "assigned" else None,
                "opened_at": opened,
                "queued_at": opened if status == "queued" else None,
                "handed_off_at": assigned,
                "first_assigned_at": assigned,
                "assigned_at": assigned,
                "closed_at": opened + timedelta(seconds=600) if status == "closed" else None,
                "bot_answered": rng.randint(0, 2),
            }
        )
    return rows


async def test_a_snapshot_over_ten_thousand_conversations_counts_them_all(
    postgres: EmbeddedPostgres,
) -> None:
    await postgres.create_databases(["monitor_scale"])
    url = postgres.uri("monitor_scale").replace("postgresql://", "postgresql+asyncpg://")
    migrations = Path(monitor_service.__file__).with_name("migrations")
    await upgrade_to_head(migrations, url)
    engine = make_engine(url, pool_size=2)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    rng = random.Random(7)
    convs = conversations(now, rng)
    facts = [
        {
            "id": f"f{i}",
            "kind": rng.choice(("arrival", "handoff", "handle", "bot_answer")),
            "at": now - timedelta(seconds=rng.uniform(0, 86400)),
            "conversation_id": f"c{i}",
            "team": rng.choice(TEAMS),
            "language": "ja",
            "value": rng.uniform(0, 900),
        }
        for i in range(20_000)
    ]
    try:
        async with sessions() as session:
            await session.execute(insert(ConversationRow), convs)
            await session.execute(insert(FactRow), facts)
            await session.execute(
                insert(OperatorRow),
                [{"id": f"op{i}", "status": "available", "max_concurrent": 3} for i in range(60)],
            )
            await session.execute(
                insert(TicketRow),
                [
                    {"id": f"t{i}", "status": rng.choice(("new", "open", "resolved", "closed"))}
                    for i in range(CONVERSATIONS)
                ],
            )
            await session.commit()
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
        timings = []
        async with sessions() as session:
            for _ in range(20):
                started = time.perf_counter()
                snap = await snapshot(session, now=now, arrival_window_s=3600)
                timings.append(time.perf_counter() - started)
        live = Counter(str(c["status"]) for c in convs)
        assert {s: snap["conversations"][s] for s in ("bot", "queued", "assigned")} == {
            s: live[s] for s in ("bot", "queued", "assigned")
        }
        assert sum(q["waiting"] for q in snap["queues"]) == live["queued"]
        print(
            f"\nsnapshot over {CONVERSATIONS} conversations, 20k facts, 10k tickets: "
            f"median {statistics.median(timings) * 1000:.1f} ms, "
            f"max {max(timings) * 1000:.1f} ms over {len(timings)} runs"
        )
    finally:
        await engine.dispose()
