"""The build at scale, as ratios to a bare ``mkdocs build`` of the same generated pages.

For each N (default 1,000 and 5,000; ``--n 1000,5000,20000`` for all three
of issue 14's sizes) this writes a synthetic snapshot with
:mod:`generator.corpus`, then runs, each in its own process:

1. the cold build (empty docs/ and site/, every image drawn);
2. a bare ``mkdocs build`` of the docs/ that build generated, with the same
   configuration, into a separate folder: what MkDocs alone costs;
3. a warm build (same cards, caches kept): what a rebuild with nothing
   changed costs (MkDocs is skipped when nothing it reads changed);
4. a build after one card changed (one more download on its Hub metadata):
   what a rebuild that has to run MkDocs again costs.

It prints each run's wall time and stage times, the cold/bare and warm/bare
ratios (of wall time, and of CPU time, which a busy machine disturbs
less), peak RSS (the largest single process, from ``getrusage``, and the
whole process tree summed, sampled from ``/proc``), the site's size and file
count, the home page's and the search index's bytes (raw and gzipped).

    .venv/bin/python bench/bench_scale.py [--n 1000,5000] [--jobs N] [--repeat K] [--keep DIR]

``--repeat K`` runs the cold build, the bare MkDocs build and the warm build
K times, in turn (each cold build from an empty docs/ and site/), and prints
every run's ratios, the ratio of the medians and the spread: MkDocs alone
varies by 10-20% from run to run on this machine (64-90 s at 5,000), as much
as the cold build adds, so one run's cold/bare ratio says little by itself.
The first line of each kind is the first run, as without ``--repeat``.

``make bench ARGS="scale --n 20000"`` runs it through ``bench/run.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: How often the process tree's memory is sampled, seconds.
SAMPLE_EVERY = 0.2
#: The sizes issue 14 measures; the default runs the first two.
SIZES = (1000, 5000, 20000)


# --- the child: one build or one bare MkDocs run, reporting its stage times -------


def _child(argv: list[str]) -> None:
    """``--child build|mkdocs CARDS DOCS SITE JOBS``: run one step, print its stage times as JSON."""
    from generator import site

    what, cards, docs, out, jobs = argv
    os.environ.setdefault("GALLERY_PROJECT", str(ROOT))  # mkdocs.yml and docs/ of this checkout
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    if what == "build":
        report = site.build(cards=[Path(cards)], out_dir=Path(out), jobs=int(jobs) or None, docs_dir=Path(docs))
        seconds, cpu = report.seconds, report.cpu
    else:
        start, start_cpu = time.perf_counter(), time.process_time()
        site.run_mkdocs(docs_dir=Path(docs), out_dir=Path(out))
        seconds, cpu = {"mkdocs": time.perf_counter() - start}, {"mkdocs": time.process_time() - start_cpu}
    print("STAGES " + json.dumps({"wall": seconds, "cpu": cpu}), flush=True)


# --- the parent: run children, watch their memory ----------------------------------


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and every descendant, from /proc (0 where /proc is missing)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry.name}/statm", "rb") as f:
                resident = int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = resident
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return total


def _run(what: str, cards: Path, docs: Path, site: Path, jobs: int) -> dict[str, object]:
    """Run one child; its wall time, stage times, peak single-process RSS and peak tree RSS."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # the cards' problem lines: thousands
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", what, str(cards), str(docs), str(site), str(jobs)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(SAMPLE_EVERY):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    log.seek(0)
    errors = log.read().splitlines()
    if proc.returncode:
        print("\n".join(errors[-20:]), file=sys.stderr)
        raise SystemExit(f"bench_scale: the {what} step failed (exit {proc.returncode})")
    stages = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("STAGES ")))
    # ru_maxrss is the largest single process waited for so far (KiB on Linux):
    # it only says something when this run set a new maximum.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest = usage.ru_maxrss
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime - cpu_before,
        "stages": stages,
        "max_process": largest * 1024 if largest > before else None,
        "tree": peak[0],
        "stderr_lines": len(errors),
    }


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _bytes(path: Path) -> str:
    data = path.read_bytes()
    return f"{len(data) / 1024:,.0f} KB ({len(gzip.compress(data, 6)) / 1024:,.0f} KB gzipped)"


def _site_size(site: Path) -> tuple[int, int]:
    size = files = 0
    for dirpath, _, names in os.walk(site):
        for name in names:
            size += os.lstat(os.path.join(dirpath, name)).st_size
            files += 1
    return size, files


def _stages(run: dict[str, object]) -> str:
    """``stage wall/CPU s, ...``: a stage's CPU is its own process's (and its ended children's for the images)."""
    wall, cpu = run["stages"]["wall"], run["stages"]["cpu"]  # type: ignore[index]
    return ", ".join(f"{k} {v:.1f}" + (f"/{cpu[k]:.1f}" if k in cpu else "") for k, v in wall.items())


def _line(label: str, run: dict[str, object], bare: dict[str, object]) -> str:
    stages = _stages(run)
    rss = f"peak RSS: tree {_mb(run['tree'])}"  # type: ignore[arg-type]
    if run["max_process"]:
        rss += f", largest process {_mb(run['max_process'])}"  # type: ignore[arg-type]
    wall, cpu = run["wall"], run["cpu"]
    return (
        f"  {label}: {wall:.1f} s = {wall / bare['wall']:.2f}x bare, "  # type: ignore[operator]
        f"CPU {cpu:.1f} s = {cpu / bare['cpu']:.2f}x bare ({stages}); {rss}; "  # type: ignore[operator]
        f"{run['stderr_lines']:,} lines on stderr"
    )


def _change_one_card(cards: Path) -> None:
    """One more download on the first card's Hub metadata: its page, its account's and the
    site-wide files change, so the build renders those and MkDocs runs again (what a nightly
    refresh of a few cards costs, where the warm build measures nothing changed)."""
    meta = min(p for p in cards.iterdir() if (p / "meta.json").is_file()) / "meta.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["downloads"] = (data.get("downloads") or 0) + 1
    meta.write_text(json.dumps(data), encoding="utf-8")


def measure(n: int, *, work: Path, jobs: int, repeat: int = 1) -> None:
    from generator import corpus

    cards, docs, site, bare_site = work / "cards", work / "docs", work / "site", work / "site-bare"
    start = time.perf_counter()
    corpus.write_snapshot(cards, corpus.generate(n, seed=11), seed=11)
    print(f"N={n:,}: wrote the synthetic snapshot in {time.perf_counter() - start:.1f} s", flush=True)
    runs = []
    for i in range(repeat):  # cold, bare, warm, cold, bare, warm...: a slow spell hits all three
        if i:
            for folder in (docs, site, bare_site):  # each cold build from nothing
                shutil.rmtree(folder, ignore_errors=True)
        runs.append((_run("build", cards, docs, site, jobs), _run("mkdocs", cards, docs, bare_site, jobs),
                     _run("build", cards, docs, site, jobs)))  # fmt: skip
    cold, bare, warm = runs[0]
    _change_one_card(cards)
    changed = _run("build", cards, docs, site, jobs)
    print(
        f"  bare mkdocs build: {bare['wall']:.1f} s, CPU {bare['cpu']:.1f} s (the process; {_stages(bare)} s wall/CPU);"
        f" peak RSS: tree {_mb(bare['tree'])}"  # type: ignore[arg-type]
    )
    print("  stage times below: wall/CPU seconds")
    print(_line("cold build", cold, bare))
    print(_line("warm build", warm, bare))
    print(_line("one card changed", changed, bare))
    if repeat > 1:
        # MkDocs alone varies 10-20% from one run to the next: every run, the medians and the spread.
        for i, (c, b, w) in enumerate(runs[1:], start=2):
            print(f"  run {i}: cold {c['wall']:.1f} s = {c['wall'] / b['wall']:.2f}x ({_stages(c)}); "
                  f"bare {b['wall']:.1f} s; warm {w['wall']:.1f} s = {w['wall'] / b['wall']:.2f}x; "
                  f"peak RSS: tree {_mb(c['tree'])}")  # type: ignore[arg-type]  # fmt: skip
        med = {k: statistics.median(r[i]["wall"] for r in runs) for i, k in enumerate(("cold", "bare", "warm"))}
        for i, kind in ((0, "cold"), (2, "warm")):
            each = [r[i]["wall"] / r[1]["wall"] for r in runs]  # type: ignore[operator]
            print(f"  {kind}/bare over {repeat} runs: median {kind} {med[kind]:.1f} s / median bare {med['bare']:.1f} s"
                  f" = {med[kind] / med['bare']:.2f}x; per run {', '.join(f'{x:.2f}x' for x in each)}"
                  f" (spread {min(each):.2f}-{max(each):.2f}x)")  # fmt: skip
        bares = [r[1]["wall"] for r in runs]
        print(f"  bare MkDocs over {repeat} runs: {', '.join(f'{x:.1f}' for x in bares)} s "
              f"(spread {min(bares):.1f}-{max(bares):.1f} s, {max(bares) / min(bares) - 1:.0%})")  # type: ignore[type-var,operator]  # fmt: skip
    print(f"  load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (wall ratios need a quiet machine)")
    size, files = _site_size(site)
    print(f"  site: {_mb(size)} in {files:,} files ({size / n / 1024:,.1f} KB a bot)")
    print(f"  home page: {_bytes(site / 'index.html')}")
    print(f"  search index: {_bytes(site / 'search/search_index.json')}", flush=True)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1000,5000", help="comma-separated bot counts (default 1000,5000; issue 14: 1000,5000,20000)")
    parser.add_argument("--jobs", type=int, default=0, help="processes for the build (default: all cores)")
    parser.add_argument("--repeat", type=int, default=1, help="cold, bare and warm runs, in turn (default 1); more prints the medians and spread")
    parser.add_argument("--keep", type=Path, default=None, help="work in DIR/<N>/ and keep it (default: a temp dir)")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.n.split(",") if s.strip()]
    print(f"{os.cpu_count()} cores; each step runs in its own process", flush=True)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            work = (args.keep / str(n)) if args.keep else Path(tmp)
            measure(n, work=work, jobs=args.jobs, repeat=max(1, args.repeat))


if __name__ == "__main__":
    main()
