"""Two dispatchers sharing only the database: no double assignment, no operator over capacity."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import func, insert, select, text
from test_routing_assignment import NOW, RoutingDb, db, pg  # noqa: F401  (fixtures)

from routing_service import queues
from routing_service.adapters import repository as repo
from routing_service.adapters.orm import OperatorRow, RoutedConversationRow
from routing_service.dispatcher import assign_next

R = RoutedConversationRow
QUEUES = [(t, lang) for t in ("tier1", "tier2", "security") for lang in ("ja", "en")]


async def _seed(
    routing: RoutingDb, rng: random.Random, *, operators: int, conversations: int
) -> None:
    async with routing.uow() as uow:
        await uow.session.execute(
            insert(OperatorRow),
            [
                {
                    "id": f"op-{i:03}",
                    "username": f"op-{i:03}",
                    "password_hash": "-",
                    "display_name": "op",
                    "role": "operator",
                    "teams": rng.sample(["tier1", "tier2", "security"], rng.randint(1, 2)),
                    "languages": rng.sample(["ja", "en"], rng.randint(1, 2)),
                    "max_concurrent": rng.randint(1, 3),
                    "presence": "available",
                    "active_count": 0,
                }
                for i in range(operators)
            ],
        )
        rows = []
        for i in range(conversations):
            team, lang = rng.choice(QUEUES)
            at = NOW - timedelta(seconds=rng.randint(0, 3600))
            rows.append(
                {
                    "conversation_id": f"c-{i:04}",
                    "customer_id": f"cust-{i}",
                    "team": team,
                    "language": lang,
                    "priority": rng.choice([0, 0, 0, 1, 5]),
                    "category": rng.choice([None] * 9 + ["account_takeover"]),
                    "security": False,
                    "state": "queued",
                    "boosted": False,
                    "enqueued_at": at,
                    "first_queued_at": at,
                    "answered": False,
                }
            )
        await uow.session.execute(insert(R), rows)
        await uow.commit()


async def _dispatcher(routing: RoutingDb, stop: asyncio.Event) -> int:
    """What one replica's loop does: single decisions, each in its own transaction."""
    made = 0
    while not stop.is_set():
        progressed = False
        async with routing.uow() as uow:
            waiting = await repo.waiting_queues(uow.session)
        for team, language in waiting:
            async with routing.uow() as uow:
                if await assign_next(uow, team=team, language=language, now=NOW):
                    await uow.commit()
                    made += 1
                    progressed = True
        if not progressed:
            await asyncio.sleep(0.01)
    return made


async def _closer(routing: RoutingDb, rng: random.Random, stop: asyncio.Event) -> None:
    """Customers finish: capacity frees at random while the dispatchers run."""
    while not stop.is_set():
        async with routing.uow() as uow:
            assigned = list(
                await uow.session.scalars(select(R.conversation_id).where(R.state == "assigned"))
            )
        for conv_id in rng.sample(assigned, min(len(assigned), 5)):
            async with routing.uow() as uow:
                await queues.close(uow, conversation_id=conv_id, closed_at=NOW, prior_handle_s=600)
                await uow.commit()
        await asyncio.sleep(0.005)


async def _over_capacity(routing: RoutingDb) -> list[str]:
    """Operators holding more conversations than they may, in one consistent snapshot."""
    async with routing.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT o.id FROM operators o JOIN routed_conversations r "
                "ON r.operator_id = o.id AND r.state = 'assigned' "
                "GROUP BY o.id, o.max_concurrent HAVING count(*) > o.max_concurrent"
            )
        )
        return [r[0] for r in rows]


async def test_two_dispatchers_never_assign_a_conversation_twice_nor_exceed_an_operators_capacity(
    db: RoutingDb,  # noqa: F811
) -> None:
    rng = random.Random(20260309)
    await _seed(db, rng, operators=150, conversations=400)
    replica = RoutingDb(db.url)
    stop = asyncio.Event()
    violations: list[str] = []
    tasks = [asyncio.ensure_future(_dispatcher(d, stop)) for d in (db, replica)]
    closer = asyncio.ensure_future(_closer(db, random.Random(7), stop))
    try:
        for _ in range(600):
            violations += await _over_capacity(db)
            async with db.uow() as uow:
                left = await uow.session.scalar(select(func.count()).where(R.state == "queued"))
            if left == 0:
                break
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        made = await asyncio.gather(*tasks)
        await closer
        await replica.engine.dispose()
    assert left == 0
    assert all(m > 0 for m in made), "both replicas took part"
    assigned = [e["conversation_id"] for e in await db.events("conversation.assigned")]
    assert len(assigned) == len(set(assigned)) == 400
    assert violations == []
    async with db.uow() as uow:
        for op in await uow.session.scalars(select(OperatorRow)):
            held = await uow.session.scalar(
                select(func.count()).where(R.operator_id == op.id, R.state == "assigned")
            )
            assert op.active_count == held <= op.max_concurrent
