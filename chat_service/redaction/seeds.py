"""BIP-39 seed phrase detection in English and Japanese."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chat_service.redaction.model import Hit, Kind
from chat_service.redaction.wordlists import english_words, japanese_words

MIN_WORDS = 12  # the shortest BIP-39 mnemonic
_EN_TOKEN = re.compile(r"[A-Za-z]+")
_JA_TOKEN = re.compile(r"[\u3041-\u3096]+")
# Between two words: separators, optionally one "12." / "(3)" style number.
_SEP = r"[\s,;.:()#\-、。・/|]"
_EN_GAP = re.compile(rf"{_SEP}*(?:\d{{1,2}}{_SEP}*)?")
_JA_GAP = re.compile(rf"{_SEP}*(?:\d{{1,2}}{_SEP}*)?")
_JA_BREAK = re.compile(r"[\s,、\d]")  # hiragana runs only count as words when set apart
_NUMBERING = re.compile(r"(?:\d{1,2}[.):]?\s*)$")
_MAX_GAP = 12
_JA_WORD_END = re.compile(r"[\u3041-\u3096][\s,、]")


def _enough_english(text: str) -> bool:
    """Cheap pre-check: at least eleven list words anywhere in the message."""
    words = english_words()
    return sum(w.lower() in words for w in _EN_TOKEN.findall(text)) >= MIN_WORDS - 1


def _enough_japanese(text: str) -> bool:
    """Cheap pre-check: enough hiragana runs followed by a separator."""
    return len(_JA_WORD_END.findall(text)) >= MIN_WORDS - 2


def english_seed(text: str) -> Iterator[Hit]:
    """Runs of at least 12 English BIP-39 words (commas, newlines, numbering allowed)."""
    if not _enough_english(text):
        return iter(())
    return _runs(text, _EN_TOKEN, _EN_GAP, english_words(), lower=True, need_break=False)


def japanese_seed(text: str) -> Iterator[Hit]:
    """Runs of at least 12 Japanese BIP-39 words separated by spaces or commas."""
    if not _enough_japanese(text):
        return iter(())
    return _runs(text, _JA_TOKEN, _JA_GAP, japanese_words(), lower=False, need_break=True)


def _runs(
    text: str,
    token: re.Pattern[str],
    gap: re.Pattern[str],
    words: frozenset[str],
    *,
    lower: bool,
    need_break: bool,
) -> Iterator[Hit]:
    chain: list[tuple[int, int, bool]] = []
    prev_end = -1
    for m in token.finditer(text):
        if chain:
            between = text[prev_end : m.start()]
            joined = (
                len(between) <= _MAX_GAP
                and gap.fullmatch(between) is not None
                and (not need_break or _JA_BREAK.search(between) is not None)
            )
            if not joined:
                yield from _judge(text, chain)
                chain = []
        word = m.group().lower() if lower else m.group()
        prev_end = m.end()
        if word in words or lower:
            chain.append((m.start(), m.end(), word in words))
            continue
        # Japanese particles stick to the first and last word: "シードはほこう … ねんしです".
        head = _affix(word, words, prefix=True)
        if chain and head:
            chain.append((m.start(), m.start() + head, True))
            yield from _judge(text, chain)
            chain = []
        tail = _affix(word, words, prefix=False)
        if tail and tail != len(word):
            yield from _judge(text, chain)
            chain = [(m.end() - tail, m.end(), True)]
        elif not head:
            chain.append((m.start(), m.end(), False))
    yield from _judge(text, chain)


def _affix(word: str, words: frozenset[str], *, prefix: bool) -> int:
    """Length of the longest list word that begins (or ends) `word`, 0 if none."""
    for size in range(len(word) - 1, 1, -1):
        if (word[:size] if prefix else word[-size:]) in words:
            return size
    return 0


def _judge(text: str, chain: list[tuple[int, int, bool]]) -> Iterator[Hit]:
    """Accept runs of list words, tolerating one lone typo per twelve words."""
    if len(chain) < MIN_WORDS:
        return
    known = [k for _, _, k in chain]
    # A lone unknown word flanked by list words is probably a typo; anything else splits.
    lone = [
        not k and 0 < i < len(known) - 1 and known[i - 1] and known[i + 1]
        for i, k in enumerate(known)
    ]
    for a, b in _segments([k or t for k, t in zip(known, lone, strict=True)]):
        typos = (b - a) - sum(known[a:b])
        if typos * MIN_WORDS > b - a:
            pieces = list(_segments(known[a:b]))
            spans = [(a + x, a + y) for x, y in pieces]
        else:
            spans = [(a, b)]
        for x, y in spans:
            if y - x >= MIN_WORDS:
                yield _hit(text, chain[x][0], chain[y - 1][1])


def _segments(flags: list[bool]) -> Iterator[tuple[int, int]]:
    """Half-open index ranges of consecutive true flags."""
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            yield start, i
            start = None


def _hit(text: str, start: int, end: int) -> Hit:
    lead = _NUMBERING.search(text, max(0, start - 4), start)
    return Hit(lead.start() if lead else start, end, Kind.SEED_PHRASE)
