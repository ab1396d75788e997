"""Nearby-keyword cues that decide ambiguous values (txid or key, order or My Number)."""

from __future__ import annotations

import re

_LONG_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{40,}")


def nearest_cue(
    text: str,
    start: int,
    end: int,
    cues: re.Pattern[str],
    *,
    before: int = 48,
    after: int = 24,
) -> str | None:
    """Name of the cue group nearest the span: the last one before it, else the first after."""
    # Other long hex values (a list of txids) should not push the cue out of reach.
    window = _LONG_HEX.sub(" ", text[max(0, start - 4 * before) : start])[-before:]
    matches = list(cues.finditer(window))
    if matches:
        return matches[-1].lastgroup
    following = cues.search(text, end, min(len(text), end + after))
    return following.lastgroup if following is not None else None


def mentions(text: str, hints: tuple[str, ...]) -> bool:
    """Cheap pre-check that one of the (lower-case) hint words occurs in the text."""
    lowered = text.lower()
    return any(h in lowered for h in hints)
