"""The detector table and the rule that settles overlapping claims."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from chat_service.redaction import credentials, keys, personal, seeds
from chat_service.redaction.model import Hit

Detector = Callable[[str], Iterable[Hit]]

# Order is priority: when two claims overlap, the earlier detector wins.
# Adding a detector is one line here.
DETECTORS: tuple[Detector, ...] = (
    seeds.english_seed,
    seeds.japanese_seed,
    keys.pem_private_key,
    keys.extended_private_key,
    keys.wif_private_key,
    keys.hex_private_key,
    keys.token_shapes,
    keys.keyword_secret,
    credentials.password,
    credentials.one_time_code,
    personal.iban,
    personal.card_number,
    personal.my_number,
    personal.bank_account,
    personal.email,
    personal.phone,
)

_PLACEHOLDER = re.compile(r"\[redacted:[a-z_]+\]")


def detect(text: str) -> list[Hit]:
    """Non-overlapping hits in `text`, sorted by position; existing placeholders are left be."""
    # Blank earlier placeholders so no detector reads them as words, values or separators.
    view = _PLACEHOLDER.sub(lambda m: "\x00" * len(m.group()), text)
    accepted: list[Hit] = []
    for detector in DETECTORS:
        for hit in detector(view):
            if hit.end > hit.start and not any(_overlaps(hit, a) for a in accepted):
                accepted.append(hit)
    return sorted(accepted)


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end
