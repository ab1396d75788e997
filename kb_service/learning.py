"""Learning from resolved inquiries: FAQ drafts, and the report of unanswered questions."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import select

from kb_service.adapters.orm import ConversationMessageRow, ConversationRow, DraftRow, UnansweredRow
from kb_service.domain.clustering import group_questions
from kb_service.index import KbIndex
from kb_service.matching import from_bytes
from kb_service.matching.embedding import UNIVERSAL_DIM
from shared.db import UnitOfWork

# A draft adds examples to an existing key when the engine already leans this much towards it.
_SAME_KEY_SCORE = 0.5
_MAX_EXAMPLES = 5
_TITLE_CHARS = 120
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the i my me is are was do does did can could how what why when where to of for in on"
    " with it this that be have has not no please you your we our".split()
)


async def draft_from_closed(
    uow: UnitOfWork, *, index: KbIndex, conv: ConversationRow, team: str | None
) -> DraftRow | None:
    """Propose an article from a closed conversation the bot did not answer but an operator did."""
    if conv.bot_answered:
        return None
    rows = list(
        await uow.session.scalars(
            select(ConversationMessageRow)
            .where(ConversationMessageRow.conversation_id == conv.id)
            .order_by(ConversationMessageRow.seq)
        )
    )
    questions = [r.text for r in rows if r.author_type == "customer" and r.text.strip()]
    answers = [r.text for r in rows if r.author_type == "operator" and r.text.strip()]
    if not questions or not answers:
        return None
    first_operator = next(r.seq for r in rows if r.author_type == "operator")
    asked_before = [
        r.text for r in rows if r.author_type == "customer" and r.seq < first_operator
    ] or questions[:1]
    ranked = await index.rank(questions[0], language=conv.language, limit=1, wait_s=0)
    best = ranked[0] if ranked else None
    if best is not None and best[0].score >= _SAME_KEY_SCORE:
        key, category, team_name = best[1].key, best[1].category, best[1].team
    else:
        key = suggested_key(questions[0])
        category = best[1].category if best else "general"
        team_name = team or (best[1].team if best else "tier1")
    draft = DraftRow(
        id=str(uuid.uuid4()),
        conversation_id=conv.id,
        key=key,
        language=conv.language if conv.language in ("ja", "en") else "ja",
        title=questions[0][:_TITLE_CHARS],
        body="\n".join(answers),
        category=category,
        team=team_name,
        examples=list(dict.fromkeys(asked_before))[:_MAX_EXAMPLES],
        status="draft",
    )
    uow.session.add(draft)
    return draft


def suggested_key(question: str) -> str:
    """A new article key from a question's content words (a short hash when it has none)."""
    words = [w for w in _WORDS.findall(question.lower()) if w not in _STOP][:4]
    tail = hashlib.sha1(question.encode()).hexdigest()[:6]
    return "_".join([*words, tail]) if words else f"faq_{tail}"


@dataclass(frozen=True)
class UnansweredGroup:
    """Similar unanswered questions with how often they were asked."""

    representative: str
    count: int
    examples: list[str]
    suggested_key: str


async def unanswered_report(
    uow: UnitOfWork, *, index: KbIndex, days: int, limit: int = 50
) -> list[UnansweredGroup]:
    """Questions the bot could not answer in the last `days`, grouped by similarity."""
    since = datetime.now(UTC) - timedelta(days=days)
    rows = (
        await uow.session.execute(
            select(UnansweredRow.text, UnansweredRow.meaning)
            .where(UnansweredRow.created_at >= since)
            .order_by(UnansweredRow.created_at.desc())
            .limit(5000)
        )
    ).all()
    texts = [row.text for row in rows]
    vectors = await _meanings(index, texts, [row.meaning for row in rows])
    # Seconds of CPU for thousands of questions: off the event loop.
    groups = await asyncio.to_thread(group_questions, texts, vectors=vectors)
    out: list[UnansweredGroup] = []
    for group in groups[:limit]:
        ranked = await index.rank(group.representative, language=None, limit=1, wait_s=0)
        close = ranked and ranked[0][0].score >= _SAME_KEY_SCORE
        key = ranked[0][1].key if close else suggested_key(group.representative)
        distinct = list(dict.fromkeys(group.members))
        out.append(UnansweredGroup(group.representative, len(group.members), distinct[:10], key))
    return out


async def _meanings(
    index: KbIndex, texts: list[str], stored: list[bytes | None]
) -> np.ndarray | None:
    """The texts' universal sentence vectors, so that rewordings and translations of a
    question group together: as stored when recorded, the others (recorded without a model,
    or by another one) embedded now, each distinct text once; None without a model."""
    if index.embedder is None or not texts:
        return None
    out = np.zeros((len(texts), UNIVERSAL_DIM), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for i, (text, blob) in enumerate(zip(texts, stored, strict=True)):
        vector = from_bytes(blob) if blob is not None else None
        if vector is not None and len(vector) == UNIVERSAL_DIM:
            out[i] = vector
        else:
            missing.setdefault(text, []).append(i)
    fresh = await index.meanings(list(missing))
    if fresh is not None:
        for vector, rows in zip(fresh, missing.values(), strict=True):
            out[rows] = vector
    return out
