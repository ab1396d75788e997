"""Apply detector hits to the customer's text, pass after pass until nothing new appears."""

from __future__ import annotations

from chat_service.redaction.detectors import detect
from chat_service.redaction.model import Finding, Hit, Kind, Redaction, placeholder
from chat_service.redaction.normalize import normalize

# Masking can expose a new match (a hit that lost an overlap keeps its tail); a second
# pass catches it, and the third is a guard. Clean messages take exactly one pass.
_MAX_PASSES = 3


def redact(text: str) -> Redaction:
    """Mask secrets and personal data in one chat message."""
    findings: tuple[Finding, ...] = ()
    for _ in range(_MAX_PASSES):
        norm = normalize(text)
        hits = [Hit(*norm.original_span(h.start, h.end), h.kind) for h in detect(norm.text)]
        if not hits:
            break
        text, findings = _rebuild(text, hits, findings)
    return Redaction(text, findings)


def _rebuild(
    text: str, hits: list[Hit], old: tuple[Finding, ...]
) -> tuple[str, tuple[Finding, ...]]:
    """Replace hit spans with placeholders; earlier placeholders are kept or swallowed."""
    spans = sorted(
        [(h.start, h.end, h.kind, True) for h in hits]
        + [(f.start, f.end, f.kind, False) for f in old]
    )
    merged: list[tuple[int, int, Kind, bool]] = []
    for start, end, kind, new in spans:
        if merged and start < merged[-1][1]:
            m_start, m_end, m_kind, m_new = merged[-1]
            # A fresh hit names the merged span; otherwise the earlier placeholder does.
            keep_kind = m_kind if m_new or not new else kind
            merged[-1] = (m_start, max(m_end, end), keep_kind, m_new or new)
        else:
            merged.append((start, end, kind, new))
    pieces: list[str] = []
    findings: list[Finding] = []
    cursor = length = 0
    for start, end, kind, _ in merged:
        pieces.append(text[cursor:start])
        length += start - cursor
        mask = placeholder(kind)
        findings.append(Finding(kind, length, length + len(mask)))
        pieces.append(mask)
        length += len(mask)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(findings)
