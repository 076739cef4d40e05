"""Site build at scale: N synthetic bots (default 5,000) from cards to a finished site.

Prints seconds per stage for a cold build (every thumbnail drawn) and for a
second build of the same cards (thumbnails and gallery variants cached), then
the size of what a visitor downloads: the whole site, the gallery page, a bot
page, an account page, the search index and bots.json.

    .venv/bin/python bench/bench_site.py [--n 5000] [--jobs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import corpus  # noqa: E402
from generator.site import build  # noqa: E402


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _kb(path: Path) -> str:
    data = path.read_bytes()
    return f"{len(data) / 1024:,.0f} KB ({len(gzip.compress(data)) / 1024:,.0f} KB gzipped)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="synthetic bots (default 5000)")
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--keep", type=Path, default=None, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        cards, docs, site = work / "cards", work / "docs", work / "site"
        start = time.perf_counter()
        corpus.write_snapshot(cards, corpus.generate(args.n, seed=11), seed=11)
        print(f"wrote {args.n} synthetic cards in {time.perf_counter() - start:.1f} s", flush=True)
        for label in ("cold build", "warm build (same cards)"):
            start = time.perf_counter()
            report = build(cards=[cards], out_dir=site, jobs=args.jobs, docs_dir=docs)
            total = time.perf_counter() - start
            stages = ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
            print(f"{label}: {total:.1f} s for {len(report.bots)} bots ({stages})", flush=True)
        bot = report.bots[len(report.bots) // 2]
        account = bot.handles[0]
        print(f"site: {_size(site) / 2**20:,.1f} MB in {sum(1 for p in site.rglob('*') if p.is_file()):,} files")
        print(f"  thumbnails {_size(site / 'img/thumbs') / 2**20:,.1f} MB, avatars {_size(site / 'img/avatars') / 2**20:,.1f} MB")
        print(f"  gallery page: {_kb(site / 'index.html')}")
        print(f"  a bot page (bots/{bot.name}/): {_kb(site / 'bots' / bot.name / 'index.html')}")
        print(f"  an account page (accounts/{account}/): {_kb(site / 'accounts' / account / 'index.html')}")
        print(f"  statistics page: {_kb(site / 'statistics/index.html')}")
        print(f"  search index: {_kb(site / 'search/search_index.json')}")
        print(f"  bots.json: {_kb(site / 'bots.json')}")


if __name__ == "__main__":
    main()
