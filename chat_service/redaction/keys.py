"""Wallet private keys and exchange API secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from chat_service.redaction.checksums import base58check_payload
from chat_service.redaction.context import mentions, nearest_cue
from chat_service.redaction.model import Hit, Kind

_B58 = "1-9A-HJ-NP-Za-km-z"
_HEX64 = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])", re.ASCII)
_HEX_CUES = re.compile(
    r"(?P<key>priv(?:ate)?[\s_-]*key|privkey|\bpriv\b|secret|\bseed\b|\bkey\b|wif"
    r"|秘密鍵|プライベートキー|秘密キー|シークレット|鍵)"
    r"|(?P<keep>\btx(?:ids?|ns?|hash(?:es)?|s)?\b|transaction|\bhash(?:es)?\b|block"
    r"|トランザクション|ハッシュ|取引ID|取引id|ブロック)",
    re.IGNORECASE | re.ASCII,
)
_BLOCK_HASH = "00000000"  # proof-of-work hashes; never a plausible key
_WIF = re.compile(rf"(?<![{_B58}])[5KL][{_B58}]{{50,51}}(?![{_B58}])")
_EXTENDED = re.compile(rf"(?<![{_B58}])[xyztuvXYZTUV]prv[{_B58}]{{100,112}}(?![{_B58}])")
_PEM = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.DOTALL
)

_TOKEN_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])(?:"
    r"[sr]k_(?:live|test)_[0-9A-Za-z]{16,}"
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}"
    r"|gh[pousr]_[A-Za-z0-9]{36,}"
    r"|github_pat_[A-Za-z0-9_]{40,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"
    r")"
)
_SECRET_AFTER_KEYWORD = re.compile(
    r"(?:api[\s_-]*(?:key|secret|token)|secret(?:[\s_-]*key)?|access[\s_-]*(?:key|token)"
    r"|client[\s_-]*secret|bearer|auth[\s_-]*token"
    r"|api\s*キー|apiシークレット|シークレット(?:キー)?|アクセスキー|アクセストークン)"
    r"[^\n]{0,24}?(?<![A-Za-z0-9+/=_-])(?P<value>[A-Za-z0-9+/=_-]{16,})(?![A-Za-z0-9+/=_-])",
    re.IGNORECASE | re.ASCII,
)
_SECRET_HINTS = ("api", "secret", "access", "bearer", "token", "キー", "シークレット", "アクセス")
_SHAPE_HINTS = ("_live_", "_test_", "akia", "asia", "gh", "github_pat", "xox", "aiza", "eyj")
# Values a "secret" keyword can sit next to that support needs to read.
_ADDRESS = re.compile(
    r"0x[0-9a-fA-F]{40}|(?:bc|tb)1[02-9ac-hj-np-z]{25,87}|(?:0x)?[0-9a-fA-F]{64}", re.ASCII
)


def hex_private_key(text: str) -> Iterator[Hit]:
    """64-hex values, unless the nearest cue calls them a transaction or block hash."""
    for m in _HEX64.finditer(text):
        value = m.group().removeprefix("0x")
        if value.startswith(_BLOCK_HASH):
            continue
        # No cue at all: mask. A leaked key costs more than an agent asking again.
        if nearest_cue(text, m.start(), m.end(), _HEX_CUES) != "keep":
            yield Hit(m.start(), m.end(), Kind.PRIVATE_KEY)


def wif_private_key(text: str) -> Iterator[Hit]:
    """Wallet Import Format keys (5/K/L, Base58Check, version 0x80)."""
    for m in _WIF.finditer(text):
        payload = base58check_payload(m.group())
        if payload and payload[0] == 0x80 and len(payload) in (33, 34):
            yield Hit(m.start(), m.end(), Kind.PRIVATE_KEY)


def extended_private_key(text: str) -> Iterator[Hit]:
    """BIP-32 extended private keys (xprv/yprv/zprv/tprv…), by shape alone."""
    if "prv" not in text:
        return
    # The "prv" prefix is intent enough; a mistyped checksum must still be masked.
    for m in _EXTENDED.finditer(text):
        yield Hit(m.start(), m.end(), Kind.PRIVATE_KEY)


def pem_private_key(text: str) -> Iterator[Hit]:
    """PEM "BEGIN … PRIVATE KEY" blocks, through the END line or the end of the message."""
    if "PRIVATE KEY" not in text:
        return
    for m in _PEM.finditer(text):
        yield Hit(m.start(), m.end(), Kind.PRIVATE_KEY)


def token_shapes(text: str) -> Iterator[Hit]:
    """Well-known credential shapes: Stripe, AWS, GitHub, Slack, Google, JWT."""
    if not mentions(text, _SHAPE_HINTS):
        return
    for m in _TOKEN_SHAPES.finditer(text):
        yield Hit(m.start(), m.end(), Kind.API_SECRET)


def keyword_secret(text: str) -> Iterator[Hit]:
    """A long key-like token shortly after "API key", "secret", "シークレット" and the like."""
    if not mentions(text, _SECRET_HINTS):
        return
    for m in _SECRET_AFTER_KEYWORD.finditer(text):
        value = m.group("value")
        if _ADDRESS.fullmatch(value) or not _looks_random(value):
            continue
        yield Hit(m.start("value"), m.end("value"), Kind.API_SECRET)


def _looks_random(value: str) -> bool:
    """Has digits and letters, or mixes cases: not a plain word or a plain number."""
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    mixed = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return (has_digit and has_alpha) or (mixed and len(value) >= 20)
