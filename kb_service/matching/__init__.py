"""Matching engine of the FAQ bot: rank articles for a message, answer or hand off."""

from kb_service.matching.embedding import embed_texts, from_bytes, text_key, to_bytes
from kb_service.matching.engine import DEFAULT_THRESHOLD, Engine
from kb_service.matching.models import ArticleDoc, FitReport, Match, Verdict
from kb_service.matching.normalize import detect_language, normalize
from kb_service.matching.seed import load_articles

__all__ = [
    "DEFAULT_THRESHOLD",
    "ArticleDoc",
    "Engine",
    "FitReport",
    "Match",
    "Verdict",
    "detect_language",
    "embed_texts",
    "from_bytes",
    "load_articles",
    "normalize",
    "text_key",
    "to_bytes",
]
