"""Loading FAQ articles and evaluation questions from the bundled JSON seed files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kb_service.matching.models import ArticleDoc

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"


def article_from_dict(raw: dict[str, Any]) -> ArticleDoc:
    """Build an article from a seed record; its id is `key:language` unless given."""
    return ArticleDoc(
        article_id=str(raw.get("article_id") or f"{raw['key']}:{raw['language']}"),
        key=str(raw["key"]),
        language=str(raw["language"]),
        title=str(raw["title"]),
        body=str(raw["body"]),
        category=str(raw["category"]),
        team=str(raw["team"]),
        examples=tuple(str(e) for e in raw.get("examples", ())),
    )


def load_articles(path: Path | None = None) -> list[ArticleDoc]:
    """Load the articles of a seed file (the bundled demo FAQ by default)."""
    records = json.loads((path or SEED_DIR / "faq.json").read_text(encoding="utf-8"))
    return [article_from_dict(r) for r in records]


def load_eval(path: Path | None = None) -> list[dict[str, str]]:
    """Load held-out evaluation questions: records of text, language and expected key."""
    records = json.loads((path or SEED_DIR / "eval.json").read_text(encoding="utf-8"))
    return [{"text": r["text"], "language": r["language"], "key": r["key"]} for r in records]


def load_out_of_scope(path: Path | None = None) -> list[dict[str, str]]:
    """Load questions no demo article answers, which the bot should hand off: records of
    text and language."""
    records = json.loads((path or SEED_DIR / "out_of_scope.json").read_text(encoding="utf-8"))
    return [{"text": r["text"], "language": r["language"]} for r in records]
