"""Passwords, PINs and one-time codes typed after a keyword."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chat_service.redaction.context import mentions
from chat_service.redaction.model import Hit, Kind
from chat_service.redaction.wordlists import NOT_A_PASSWORD, english_words

_PASSWORD = re.compile(
    r"(?:pass\s*word|passwd|passcode|pass\s*phrase|\bpwd?\b|\bpin(?:\s*code)?\b"
    r"|パスワード|暗証番号|pinコード|ピン番号)(?!s\b)"
    r"(?:\s*(?P<strong>[:=]|は|が|を|->)\s*|[ \t]+(?P<verb>is|was)[ \t]+|[ \t]*)"
    r"[\"'「『`]?"
    r"(?P<value>[\x21-\x7e]{2,64})",
    re.IGNORECASE | re.ASCII,
)
_PASSWORD_HINTS = ("pass", "pw", "pin", "パスワード", "暗証番号", "ピン番号")
_OTP_HINTS = ("2fa", "mfa", "factor", "otp", "one", "code", "authenticator", "認証", "確認")
_OTP_HINTS_JA = ("ワンタイム", "段階", "セキュリティコード")
_QUOTES = "\"'」』`"
_OTP = re.compile(
    r"(?:\b2fa\b|\bmfa\b|two[\s-]?factor|\botp\b|one[\s-]?time\s*(?:pass(?:word|code)?|code|pin)"
    r"|verification\s*code|auth(?:entication|enticator)?\s*code|security\s*code|sms\s*code"
    r"|google\s*authenticator|認証コード|確認コード|認証番号|確認番号|ワンタイムパスワード"
    r"|[二2]段階認証|セキュリティコード)"
    r"(?:\s*(?:code|コード|番号|number|no\.?|is|was|[:=#]|は|が|を)\s*){0,3}\s*"
    r"(?<!\d)(?P<value>\d{3}[\s-]\d{3}|\d{3,8})"
    r"(?![\d.,:/-]|\s*(?:年|月|日|時|分|秒|円|件|回|個|歳|days?\b|hours?\b|min|sec|times?\b|%))",
    re.IGNORECASE | re.ASCII,
)


def password(text: str) -> Iterator[Hit]:
    """The token after "password:", "pw is", "パスワードは", "暗証番号" and the like."""
    if not mentions(text, _PASSWORD_HINTS):
        return
    for m in _PASSWORD.finditer(text):
        value = m.group("value")
        start = m.start("value")
        end = start + len(value.rstrip(_QUOTES))
        core = text[start:end]
        strength = "strong" if m.group("strong") else "verb" if m.group("verb") else "bare"
        if not core or _is_plain_word(core, strength):
            continue
        yield Hit(start, end, Kind.PASSWORD)


def one_time_code(text: str) -> Iterator[Hit]:
    """3–8 digits after "2FA code", "OTP", "認証コード" and the like."""
    if not mentions(text, _OTP_HINTS + _OTP_HINTS_JA):
        return
    for m in _OTP.finditer(text):
        yield Hit(m.start("value"), m.end("value"), Kind.ONE_TIME_CODE)


def _is_plain_word(value: str, strength: str) -> bool:
    """Whether the "value" is just the sentence carrying on ("password is wrong")."""
    word = value.lower().rstrip(".,!?;:)")
    if word in NOT_A_PASSWORD:
        return True
    if strength == "strong" or not word.isalpha():
        return False
    # "password is dragon2" is a password; "password is expired" and "password reset" are not.
    return strength == "bare" or word in english_words() or len(word) <= 3
