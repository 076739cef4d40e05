"""Hostile cards (issue 8): how long each one takes to read, and the whole build beside the seeds.

Writes every hostile case of ``tests/hostile.py`` (committed and generated)
into a temporary snapshot, normalises each card alone and prints its time,
then runs ``python -m generator build`` on all of them beside the seed cards
and the loose cards with a README, printing its exit code, wall time and peak
memory (the "Done when" of issue 8: exit 0 within a minute and 3 GB).

    .venv/bin/python bench/bench_hostile.py [--no-build]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.normalise import normalise_source  # noqa: E402
from generator.snapshot import iter_sources  # noqa: E402
from tests import hostile  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="only time each card, skip the whole build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        hostile.hostile_snapshot(cards)
        paths = [cards, hostile.SEEDS, hostile.LOOSE_WITH_README]
        times = []
        for source in iter_sources(paths):
            start = time.perf_counter()
            bot = normalise_source(source)
            times.append((time.perf_counter() - start, bot.id, (bot.problems or ("",))[0]))
        for took, bot_id, problem in sorted(times, reverse=True):
            print(f"{took * 1000:8.1f} ms  {bot_id}  {problem[:90]}")
        print(f"{len(times)} cards, slowest {max(t for t, _, _ in times) * 1000:.0f} ms")
        if args.no_build:
            return
        # The real command, pointed (GALLERY_PROJECT) at a copy of mkdocs.yml and docs/ so the checkout stays untouched.
        project = Path(tmp) / "project"
        shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("img"))
        shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERY_")} | {"GALLERY_PROJECT": str(project)}
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "generator", "build", "--cards", *map(str, paths), "--out", str(Path(tmp) / "site")],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        took = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        skipped = [line for line in run.stderr.splitlines() if ": not published: " in line]
        print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "(no output)")
        print(f"build: exit {run.returncode} in {took:.1f} s, peak {peak:.0f} MB; {len(skipped)} bots not published")


if __name__ == "__main__":
    main()
