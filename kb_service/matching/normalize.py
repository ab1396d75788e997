"""Text normalization and tokenization for Japanese and English chat messages."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

from sudachipy import Dictionary, SplitMode, Tokenizer

_KATAKANA_START = 0x30A1
_KATAKANA_END = 0x30F6
_KANA_SHIFT = 0x60
_SPACES = re.compile(r"\s+")
# Long-vowel marks, wave dashes and repeated punctuation are how people type casually.
_NOISE = str.maketrans({"〜": "ー", "~": "ー", "－": "ー", "―": "ー", "‐": "ー"})
_REPEATS = re.compile(r"([!?ー。、.,w笑])\1+")
# English words and numbers, with inner apostrophes and dots (it's, v1.2).
_LATIN_WORDS = re.compile(r"[a-z0-9]+(?:['.][a-z0-9]+)*")
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff]")
# Parts of speech that are not words: punctuation and spaces.
_NOT_WORDS = {"補助記号", "空白"}
_LOCAL = threading.local()


def normalize(text: str) -> str:
    """Return NFKC-normalized, lower-cased text with collapsed spaces and repeats."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_NOISE)
    folded = _REPEATS.sub(r"\1", folded)
    return _SPACES.sub(" ", folded).strip()


def fold_kana(text: str) -> str:
    """Map katakana to hiragana so both spellings of a word share n-grams."""
    return "".join(
        chr(ord(ch) - _KANA_SHIFT) if _KATAKANA_START <= ord(ch) <= _KATAKANA_END else ch
        for ch in text
    )


def word_tokens(text: str) -> list[str]:
    """Return the words of a normalized message, kana-folded.

    Japanese has no word spaces, so it goes through a morphological analyzer, and each word
    becomes its dictionary form with its spelling variants unified (引出し and 引き出し,
    入っ and 入る, ｲｰｻﾘｱﾑ and イーサリアム); the particles stay, as they carry negation and
    direction (入ってない, に送る). Other text is split into its latin words and numbers.
    """
    if not _JAPANESE.search(text):
        return list(_LATIN_WORDS.findall(text))
    return [
        fold_kana(m.normalized_form().lower())
        for m in _sudachi().tokenize(text)
        if m.part_of_speech()[0] not in _NOT_WORDS
    ]


@functools.cache
def _dictionary() -> Dictionary:
    """The system dictionary of the sudachidict-core package, memory-mapped once."""
    return Dictionary(dict="core")


def _sudachi() -> Tokenizer:
    """Return this thread's analyzer: one must not be shared between threads, and it costs
    microseconds to make over the loaded dictionary."""
    tokenizer = getattr(_LOCAL, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _LOCAL.tokenizer = _dictionary().tokenizer(SplitMode.C)
    return tokenizer


def detect_language(text: str) -> str:
    """Return 'ja' when the message contains any kana or kanji, else 'en'."""
    return "ja" if _JAPANESE.search(unicodedata.normalize("NFKC", text)) else "en"
