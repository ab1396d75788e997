"""Masking of secrets and personal data customers paste into chat, applied at ingest.

`redact` normalizes the text (NFKC, full-width forms, dashes) for detection only: the
returned text keeps the customer's original characters outside masked spans, and each
masked span becomes a placeholder such as ``[redacted:seed_phrase]``. Finding offsets
index the placeholder in the redacted text, the only text that is ever stored or shown.
"""

from __future__ import annotations

from chat_service.redaction.core import redact
from chat_service.redaction.detectors import DETECTORS
from chat_service.redaction.model import Finding, Kind, Redaction
from chat_service.redaction.notices import Language, customer_notice

__all__ = [
    "DETECTORS",
    "Finding",
    "Kind",
    "Language",
    "Redaction",
    "customer_notice",
    "redact",
]
