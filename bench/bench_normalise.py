"""Card reading speed: N synthetic cards of every era (a third with mojibake),
normalised with 1 and 2 processes.

    .venv/bin/python bench/bench_normalise.py [--n 5000]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="synthetic cards (default 5000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        start = time.perf_counter()
        corpus.write_snapshot(cards, corpus.generate(args.n, seed=5), mojibake_share=0.33)
        print(f"wrote {args.n} cards in {time.perf_counter() - start:.1f} s")
        for jobs in (1, 2):
            start = time.perf_counter()
            bots = normalise_paths([cards], jobs=jobs)
            took = time.perf_counter() - start
            print(f"normalise jobs={jobs}: {len(bots)} cards in {took:.1f} s ({took / len(bots) * 1000:.2f} ms a card)")


if __name__ == "__main__":
    main()
