"""Payment cards, My Number, bank accounts, phone numbers and e-mail addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from chat_service.redaction.checksums import iban_ok, luhn_ok, my_number_ok
from chat_service.redaction.context import mentions, nearest_cue
from chat_service.redaction.model import Hit, Kind

# Digit groups joined by single spaces or hyphens; never glued to amounts, paths or ids.
_DIGIT_RUN = re.compile(r"(?<![\d.,¥$+/#A-Za-z-])\d+(?:[ -]\d+)*(?![\dA-Za-z]|[.,]\d)", re.ASCII)
_GROUP = re.compile(r"\d+", re.ASCII)
_CARD_FIRST_DIGITS = "23456"  # Mir, Amex/JCB/Diners, Visa, Mastercard, Discover/UnionPay
_ID_CUES = re.compile(
    r"(?P<keep>注文|order|追跡|tracking|伝票|受付番号|問い?合わせ番号|ticket|チケット|id\b)"
    r"|(?P<mask>マイナンバー|個人番号|my\s*number|カード|card)",
    re.IGNORECASE | re.ASCII,
)
_BANK = re.compile(
    r"(?:口座番号|口座|account\s*(?:number|no\.?|#)|acct\.?\s*(?:number|no\.?|#)?"
    r"|普通預金|当座預金|普通|当座|bank\s*account)"
    r"[^\d\n]{0,12}?(?<![\d¥$])(?P<value>\d{7})"
    r"(?![\d,.]|\s*(?:円|万|yen|jpy|btc|eth|xrp|usdt|%))",
    re.IGNORECASE | re.ASCII,
)
_BANK_HINTS = ("口座", "account", "acct", "普通", "当座")
_IBAN_HINT = re.compile(r"[A-Z]{2}[0-9]{2}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.ASCII)
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b", re.ASCII
)
_INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ -]?\(?\d{1,4}\)?){2,5}(?![\w-])", re.ASCII)
_JP_PHONE = re.compile(
    r"(?<![\w+./:-])\(?0\d{1,4}\)?[ -]?\(?\d{1,4}\)?[ -]?\d{3,4}(?![\w-])", re.ASCII
)
_PHONE_CUES = re.compile(r"電話|携帯|tel\b|phone|mobile|連絡先", re.IGNORECASE | re.ASCII)


def card_number(text: str) -> Iterator[Hit]:
    """13–19 digits (spaces/hyphens allowed) with a card prefix and a valid Luhn digit."""
    for groups in _digit_runs(text):
        i = 0
        while i < len(groups):
            end = _longest_card(groups, i)
            if end is None:
                i += 1
                continue
            yield Hit(groups[i][0], groups[end][1], Kind.CARD_NUMBER)
            i = end + 1


def my_number(text: str) -> Iterator[Hit]:
    """12 digits (or 4-4-4) with a valid Individual Number check digit."""
    for groups in _digit_runs(text):
        # Only a whole run counts: twelve digits cut from a longer card number are not one.
        if [len(g[2]) for g in groups] not in ([12], [4, 4, 4]):
            continue
        digits = "".join(g[2] for g in groups)
        start, stop = groups[0][0], groups[-1][1]
        if my_number_ok(digits) and nearest_cue(text, start, stop, _ID_CUES) != "keep":
            yield Hit(start, stop, Kind.MY_NUMBER)


def bank_account(text: str) -> Iterator[Hit]:
    """A 7-digit account number after 口座番号 / 普通 / account number."""
    if not mentions(text, _BANK_HINTS):
        return
    for m in _BANK.finditer(text):
        yield Hit(m.start("value"), m.end("value"), Kind.BANK_ACCOUNT)


def iban(text: str) -> Iterator[Hit]:
    """IBANs that pass the mod-97 check (the longest valid prefix of a match)."""
    if not _IBAN_HINT.search(text):
        return
    for m in _IBAN.finditer(text):
        parts = m.group().split(" ")
        for n in range(len(parts), 0, -1):
            if iban_ok("".join(parts[:n])):
                yield Hit(m.start(), m.start() + len(" ".join(parts[:n])), Kind.BANK_ACCOUNT)
                break


def email(text: str) -> Iterator[Hit]:
    """E-mail addresses."""
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield Hit(m.start(), m.end(), Kind.EMAIL)


def phone(text: str) -> Iterator[Hit]:
    """International (+81 …, +1 …) and Japanese domestic (03-…, 090-…) phone numbers."""
    for m in _INTL_PHONE.finditer(text):
        if 8 <= _count_digits(m.group()) <= 15:
            yield Hit(m.start(), m.end(), Kind.PHONE)
    for m in _JP_PHONE.finditer(text):
        value = m.group()
        digits = _count_digits(value)
        if not 10 <= digits <= 11:
            continue
        separated = not value.isdigit()
        mobile = digits == 11 and value[:3] in ("050", "070", "080", "090")
        cued = _PHONE_CUES.search(text, max(0, m.start() - 24), m.start()) is not None
        if separated or mobile or cued:
            yield Hit(m.start(), m.end(), Kind.PHONE)


Group = tuple[int, int, str]


@lru_cache(maxsize=4)
def _digit_runs(text: str) -> tuple[tuple[Group, ...], ...]:
    """Digit groups of each run; cached because two detectors walk the same runs."""
    return tuple(
        tuple((g.start(), g.end(), g.group()) for g in _GROUP.finditer(text, r.start(), r.end()))
        for r in _DIGIT_RUN.finditer(text)
    )


def _longest_card(groups: tuple[tuple[int, int, str], ...], i: int) -> int | None:
    """Index of the last group of the longest valid card starting at group i."""
    if groups[i][2][0] not in _CARD_FIRST_DIGITS:
        return None
    best = None
    digits = ""
    for j in range(i, len(groups)):
        digits += groups[j][2]
        if len(digits) > 19:
            break
        if len(digits) >= 13 and luhn_ok(digits):
            best = j
    return best


def _count_digits(value: str) -> int:
    return sum(c.isdigit() for c in value)
