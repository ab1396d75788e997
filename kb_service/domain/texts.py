"""What the bot says around an article: fallback notes, incident notices, hand-off lines."""

from __future__ import annotations

from dataclasses import dataclass

_HANDOFF = {
    "ja": "担当者におつなぎします。少々お待ちください。",
    "en": "Let me connect you with one of our staff. Please wait a moment.",
}
_NAMES = {"ja": {"en": "英語", "ja": "日本語"}, "en": {"ja": "Japanese", "en": "English"}}


@dataclass(frozen=True)
class Incident:
    """An exchange-wide incident the bot should mention."""

    title_ja: str
    title_en: str


def reply_language(language: str) -> str:
    """The language the bot speaks to this customer in (ja unless en)."""
    return "en" if language == "en" else "ja"


def incident_notice(incidents: list[Incident], *, language: str) -> str | None:
    """One line naming every active incident, in the customer's language."""
    if not incidents:
        return None
    if reply_language(language) == "en":
        titles = "; ".join(i.title_en for i in incidents)
        return f"[Service notice] {titles}. We are working on it and will update you."
    titles = "、".join(i.title_ja for i in incidents)
    return f"【障害のお知らせ】{titles}。現在対応中です。"


def fallback_note(*, asked: str, served: str) -> str:
    """Say that the answer is in another language than the customer's."""
    if reply_language(asked) == "ja":
        return (
            f"※日本語の記事がまだないため、{_NAMES['ja'].get(served, served)}の記事をご案内します。"
        )
    return f"(This answer is only available in {_NAMES['en'].get(served, served)} for now.)"


def answer_text(*, body: str, asked: str, served: str, incidents: list[Incident]) -> str:
    """The bot's reply: incident notice, fallback note, then the article."""
    parts = [incident_notice(incidents, language=asked)]
    if served != reply_language(asked):
        parts.append(fallback_note(asked=asked, served=served))
    parts.append(body)
    return "\n\n".join(p for p in parts if p)


def handoff_text(*, asked: str, incidents: list[Incident]) -> str:
    """What the bot says when it hands off to a person."""
    parts = [incident_notice(incidents, language=asked), _HANDOFF[reply_language(asked)]]
    return "\n\n".join(p for p in parts if p)
