"""Check-digit and checksum validators used to avoid masking look-alikes."""

from __future__ import annotations

import hashlib

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}


def luhn_ok(digits: str) -> bool:
    """Whether a digit string passes the Luhn (mod 10) check used by payment cards."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def my_number_ok(digits: str) -> bool:
    """Whether 12 digits carry a valid Japanese Individual Number check digit."""
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n in range(1, 12):
        p = ord(body[11 - n]) - 48  # P_n counts from the right, excluding the check digit
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    rem = total % 11
    check = 0 if rem <= 1 else 11 - rem
    return check == ord(digits[11]) - 48


def iban_ok(candidate: str) -> bool:
    """Whether an IBAN (spaces removed, upper case) passes ISO 13616 mod-97."""
    if not 15 <= len(candidate) <= 34 or not candidate.isalnum():
        return False
    rearranged = candidate[4:] + candidate[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def base58check_payload(text: str) -> bytes | None:
    """Decode Base58Check text, returning the payload if the checksum holds."""
    value = 0
    for ch in text:
        idx = _B58_INDEX.get(ch)
        if idx is None:
            return None
        value = value * 58 + idx
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    digest = hashlib.sha256(hashlib.sha256(payload).digest()).digest()
    return payload if digest[:4] == checksum else None
