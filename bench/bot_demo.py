"""The demo FAQ through the API, in Japanese and in English.

The held-out questions (`kb_service/seed/eval.json`) are an equivalent set: the same questions
asked in both languages. Each is searched (top-1, top-3) and asked of the bot (answered, and
right); then the questions no demo article answers (`out_of_scope.json`), which the bot
should hand off.
"""

from __future__ import annotations

from typing import Any

from bench.client import Client
from bench.report import say
from kb_service.matching.seed import load_eval, load_out_of_scope

LANGUAGES = ("ja", "en")


async def report(api: Client, headers: dict[str, str]) -> None:
    """Print, per language, search top-1/top-3, the bot's answers and its out-of-scope
    hand-offs."""
    for language in LANGUAGES:
        questions = [q for q in load_eval() if q["language"] == language]
        top1 = top3 = answered = right = 0
        for q in questions:
            res = await api.get("/api/v1/kb/search", params={"q": q["text"], "language": language,
                                "limit": 3}, headers=headers)  # fmt: skip
            keys = [item["key"] for item in res.json()["items"]]
            top1 += bool(keys) and keys[0] == q["key"]
            top3 += q["key"] in keys
            verdict = await answer(api, headers, q["text"], language)
            answered += bool(verdict["answered"])
            right += bool(verdict["answered"]) and verdict["key"] == q["key"]
        outside = [q["text"] for q in load_out_of_scope() if q["language"] == language]
        handed = 0
        for text in outside:
            handed += not (await answer(api, headers, text, language))["answered"]
        n = len(questions)
        say(f"  {language}: {n} questions, search top-1 {top1 / n:6.2%} top-3 {top3 / n:6.2%}; "
            f"bot answered {answered / n:6.1%}, {right / max(answered, 1):6.1%} of them right; "
            f"out of scope handed off {handed}/{len(outside)}")  # fmt: skip


async def answer(api: Client, headers: dict[str, str], text: str, language: str) -> dict[str, Any]:
    res = await api.post("/api/v1/bot/answer", json={"text": text, "language": language},
                         headers=headers)  # fmt: skip
    return dict(res.json())
