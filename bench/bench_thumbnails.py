"""Thumbnail drawing speed: N synthetic bots, cold (empty out dir) and warm (nothing changed).

Builds a synthetic snapshot with :mod:`generator.corpus` (every era, hostile
names), normalises it, then draws every thumbnail with ``jobs=1`` and with
``jobs=2``, printing seconds, bots per second and the CPU time per thumbnail
(this process's and its drawing workers', which a busy machine disturbs less
than wall time), with the load average. A warm run only hashes and skips, so
it shows the cost of an unchanged rebuild. ``--split`` also times one drawing
process's stages per thumbnail (laying out, rasterising, palette, PNG; and, within
those, measuring text), on N bots of another seed that this process has never drawn:
every bot has its own handles, so a real build shapes and measures new strings on
every card (drawing the same cards again would time caches a build never hits).

    .venv/bin/python bench/bench_thumbnails.py [--n 500] [--jobs 1 2] [--split]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import corpus  # noqa: E402
from generator.normalise import normalise_paths  # noqa: E402
from generator.thumbnails import draw_thumbnails  # noqa: E402

#: Cards --split draws first and does not count (fonts loaded, first glyphs rasterised), as a build's first cards.
SPLIT_WARM_UP = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="synthetic bots (default 500)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="process counts to try (default 1 2)")
    parser.add_argument("--split", action="store_true", help="also time the stages of one drawing process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        corpus.write_snapshot(cards, corpus.generate(args.n, seed=7))
        bots = normalise_paths([cards])
        print(f"{len(bots)} bots, {sum(b.kind == 'cyborg' for b in bots)} cyborgs")
        for jobs in args.jobs:
            out = Path(tmp) / f"thumbs-{jobs}"
            for run in ("cold", "warm"):
                start, cpu = time.perf_counter(), _cpu()
                paths = draw_thumbnails(bots, out_dir=out, jobs=jobs)
                seconds, cpu = time.perf_counter() - start, _cpu() - cpu
                size = sum(p.stat().st_size for p in paths.values()) / len(paths) / 1024
                print(
                    f"jobs={jobs} {run}: {seconds:7.2f} s  {len(bots) / seconds:8.1f} bots/s  "
                    f"CPU {cpu / len(bots) * 1000:5.1f} ms a thumbnail  ({size:.1f} KiB/png)  "
                    f"load average {_load()}",
                    flush=True,
                )
        if args.split:
            specs = corpus.generate(args.n + SPLIT_WARM_UP, seed=8)  # handles of their own (distinct from seed 7's)
            fresh = Path(tmp) / "fresh"
            corpus.write_snapshot(fresh, specs)
            _split(normalise_paths([fresh]))


def _cpu() -> float:
    """CPU seconds of this process and of the worker processes it has waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def _split(bots: list) -> None:
    """CPU per thumbnail of each stage, in this process: laying out (what to draw, text
    measured), rasterising (Agg), palette (RGBA to indices), PNG (deflate and chunks), and
    within them measuring text (matplotlib shaping a string to measure it). The first
    :data:`SPLIT_WARM_UP` bots warm the process and are not counted."""
    from generator.style import mpl_style
    from generator.thumbnails import canvas, draw
    from generator.thumbnails.card import _card

    cards = [_card(b, None, None) for b in bots]
    warm, cards = cards[:SPLIT_WARM_UP], cards[SPLIT_WARM_UP:]
    spent = dict.fromkeys(("layout", "rasterise", "palette", "png", "measuring text"), 0.0)
    real_draw, real_indices, real_png = canvas._Canvas._draw, canvas._changed_rows, canvas._palette_png
    real_measure = canvas._Renderer.measure
    mark = [0.0]

    def timed(stage, fn, *, layout=False):  # type: ignore[no-untyped-def]
        def wrapper(*a, **kw):  # type: ignore[no-untyped-def]
            start = time.process_time()
            if layout:
                spent["layout"] += start - mark[0]
            result = fn(*a, **kw)
            spent[stage] += time.process_time() - start
            return result

        return wrapper

    canvas._Canvas._draw = timed("rasterise", real_draw, layout=True)
    canvas._changed_rows = timed("palette", real_indices)
    canvas._palette_png = timed("png", real_png)
    canvas._Renderer.measure = timed("measuring text", real_measure)
    try:
        with mpl_style():
            for card in warm:  # as a drawing process is after its first cards
                draw._draw(card)
            for key in spent:
                spent[key] = 0.0
            start = time.process_time()
            for card in cards:
                mark[0] = time.process_time()
                draw._draw(card)
            total = time.process_time() - start
    finally:
        canvas._Canvas._draw, canvas._changed_rows, canvas._palette_png = real_draw, real_indices, real_png
        canvas._Renderer.measure = real_measure
    parts = ", ".join(f"{k} {v / len(cards) * 1000:.1f}" for k, v in spent.items())
    print(
        f"one process, {len(cards)} bots it had not drawn, CPU ms a thumbnail: {total / len(cards) * 1000:.1f} "
        f"({parts}); load average {_load()}"
    )


if __name__ == "__main__":
    main()
