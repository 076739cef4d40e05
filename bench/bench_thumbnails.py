"""Thumbnail drawing speed: N synthetic bots, cold (empty out dir) and warm (nothing changed).

Builds a synthetic snapshot with :mod:`generator.corpus` (every era, hostile
names), normalises it, then draws every thumbnail with ``jobs=1`` and with
``jobs=2``, printing seconds and bots per second. A warm run only hashes and
skips, so it shows the cost of an unchanged rebuild.

    .venv/bin/python bench/bench_thumbnails.py [--n 500] [--jobs 1 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import corpus  # noqa: E402
from generator.normalise import normalise_paths  # noqa: E402
from generator.thumbnails import draw_thumbnails  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="synthetic bots (default 500)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="process counts to try (default 1 2)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        corpus.write_snapshot(cards, corpus.generate(args.n, seed=7))
        bots = normalise_paths([cards])
        print(f"{len(bots)} bots, {sum(b.kind == 'cyborg' for b in bots)} cyborgs")
        for jobs in args.jobs:
            out = Path(tmp) / f"thumbs-{jobs}"
            for run in ("cold", "warm"):
                start = time.perf_counter()
                paths = draw_thumbnails(bots, out_dir=out, jobs=jobs)
                seconds = time.perf_counter() - start
                size = sum(p.stat().st_size for p in paths.values()) / len(paths) / 1024
                print(f"jobs={jobs} {run}: {seconds:7.2f} s  {len(bots) / seconds:8.1f} bots/s  ({size:.0f} KiB/png)")


if __name__ == "__main__":
    main()
