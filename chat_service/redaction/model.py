"""Value types shared by the redaction modules."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """What a masked span contained; the value appears in the placeholder."""

    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"
    API_SECRET = "api_secret"
    PASSWORD = "password"
    ONE_TIME_CODE = "one_time_code"
    CARD_NUMBER = "card_number"
    MY_NUMBER = "my_number"
    BANK_ACCOUNT = "bank_account"
    EMAIL = "email"
    PHONE = "phone"


class Hit(NamedTuple):
    """A detector's claim on a span of the normalized text."""

    start: int
    end: int
    kind: Kind


@dataclass(frozen=True, slots=True)
class Finding:
    """One masked span; start/end index the placeholder in `Redaction.text`."""

    kind: Kind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    """The result of redacting one message."""

    text: str
    findings: tuple[Finding, ...] = ()

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """Distinct kinds masked, in order of first appearance."""
        return tuple(dict.fromkeys(f.kind for f in self.findings))

    @property
    def masked(self) -> bool:
        """Whether anything was masked."""
        return bool(self.findings)


def placeholder(kind: Kind) -> str:
    """The visible text that replaces a masked span."""
    return f"[redacted:{kind.value}]"
