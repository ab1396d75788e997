"""Request and response bodies of kb_service's REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

Language = Literal["ja", "en"]
Team = Literal["tier1", "tier2", "tax", "legal", "system", "security"]
# Keys are identifiers without whitespace; imported data sets bring their own (even "?").
KEY_PATTERN = r"^\S+$"


class ArticleIn(BaseModel):
    """An article as a supervisor writes it."""

    key: str = Field(min_length=1, max_length=100, pattern=KEY_PATTERN)
    language: Language
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    category: str = Field(min_length=1, max_length=60)
    team: Team = "tier1"
    examples: list[str] = Field(default_factory=list, max_length=5000)

    @field_validator("examples")
    @classmethod
    def _examples_fit(cls, examples: list[str]) -> list[str]:
        cleaned = [e.strip() for e in examples]
        if any(not e or len(e) > 1000 for e in cleaned):
            raise ValueError("each example must have 1 to 1000 characters")
        return list(dict.fromkeys(cleaned))


class ArticleOut(BaseModel):
    id: str
    key: str
    language: str
    title: str
    body: str
    category: str
    team: str
    examples: list[str]


class ImportOut(BaseModel):
    created: int
    updated: int
    # This replica refits before answering when it can; `indexed` says whether it managed to.
    version: int
    indexed: bool


class SearchItem(BaseModel):
    article_id: str
    key: str
    language: str
    title: str
    score: float
    fallback_language: str | None = None


class AnswerIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    language: Language | None = None


class AnswerOut(BaseModel):
    answered: bool
    key: str | None
    article_id: str | None
    confidence: float
    text: str
    category: str | None
    team: str | None
    language: str
    reason: str
    fallback_language: str | None = None


class DraftOut(BaseModel):
    id: str
    conversation_id: str | None
    key: str
    language: str
    title: str
    body: str
    category: str
    team: str
    examples: list[str]
    status: str
    article_id: str | None
    created_at: datetime


class PublishIn(BaseModel):
    """What a reviewer may change before publishing a draft."""

    key: str | None = Field(default=None, min_length=1, max_length=100, pattern=KEY_PATTERN)
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=20_000)
    category: str | None = Field(default=None, min_length=1, max_length=60)
    team: Team | None = None
    examples: list[str] | None = Field(default=None, max_length=100)


class PublishOut(BaseModel):
    draft: DraftOut
    article_id: str
    outcome: Literal["created", "examples_added"]
    version: int


class UnansweredGroupOut(BaseModel):
    representative: str
    count: int
    examples: list[str]
    suggested_key: str


class SuggestionsOut(BaseModel):
    conversation_id: str
    assignee_id: str | None
    suggestions: list[dict[str, object]]


class StatusOut(BaseModel):
    """How far this replica's engine is: the stored version and the fitted one."""

    version: int
    indexed_version: int
    ready: bool
    articles: int
    examples: int
    embeddings_pending: int
