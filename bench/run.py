"""Run every benchmark under bench/ in turn (``make bench``); each prints its figures.

    .venv/bin/python bench/run.py [NAME...] [--FLAG ...]   e.g. bench/run.py normalise fetch

Everything from the first argument that starts with ``-`` on is passed to
each selected script, e.g. ``bench/run.py scale --n 20000`` (``make bench
ARGS="scale --n 20000"``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    flags = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, passed = argv[:flags], argv[flags:]
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        unknown = sorted(set(names) - {s.stem.removeprefix("bench_") for s in scripts})
        if unknown:
            known = ", ".join(s.stem.removeprefix("bench_") for s in scripts)
            print(f"bench: no benchmark named {', '.join(unknown)}; there are: {known}", file=sys.stderr)
            return 2
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failed = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        failed += subprocess.call([sys.executable, str(script), *passed]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
