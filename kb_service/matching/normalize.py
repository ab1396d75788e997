"""Text normalization and tokenization for Japanese and English chat messages."""

from __future__ import annotations

import re
import unicodedata

_KATAKANA_START = 0x30A1
_KATAKANA_END = 0x30F6
_KANA_SHIFT = 0x60
_SPACES = re.compile(r"\s+")
# Long-vowel marks, wave dashes and repeated punctuation are how people type casually.
_NOISE = str.maketrans({"〜": "ー", "~": "ー", "－": "ー", "―": "ー", "‐": "ー"})
_REPEATS = re.compile(r"([!?ー。、.,w笑])\1+")
_SCRIPT_RUNS = re.compile(
    r"[a-z0-9]+(?:['.][a-z0-9]+)*|[\u4e00-\u9fff々〆]+|[\u3041-\u3096]+|[\u30a1-\u30faー]+"
)
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff]")


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


def lexical_form(text: str) -> str:
    """Return the form the lexical model sees: normalized and kana-folded."""
    return fold_kana(normalize(text))


def word_tokens(text: str) -> list[str]:
    """Split on spaces and on script changes, since Japanese has no word spaces."""
    return _SCRIPT_RUNS.findall(text)


def detect_language(text: str) -> str:
    """Return 'ja' when the message contains any kana or kanji, else 'en'."""
    return "ja" if _JAPANESE.search(unicodedata.normalize("NFKC", text)) else "en"
