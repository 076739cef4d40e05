"""Fetch cost for N models against the test Hub: cold, warm (no change) and 1 % changed.

Serves N synthetic cards from ``tests/hubserver.py`` (in this process, on
127.0.0.1, 1,000 models a listing page like the Hub) and runs
:func:`generator.fetch.fetch` three times into a temporary snapshot: cold
(empty), warm (nothing changed) and after 1 % of the READMEs changed. It
prints, per run, the requests the server saw (API and file) and the seconds
taken locally with the request budget lifted, and the least time the default
budget (the Hub's anonymous limits less 10 %) would impose on that many
requests, which is what the nightly job really waits for.

    .venv/bin/python bench/bench_fetch.py [--n 5000] [--workers 4]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import config  # noqa: E402
from generator.corpus import generate  # noqa: E402
from generator.fetch import Policy, fetch  # noqa: E402
from tests.hubserver import HubServer  # noqa: E402


def floor_seconds(requests: int, limit: int, window: float) -> float:
    """Least time a sliding-window budget of ``limit`` per ``window`` needs for ``requests``."""
    return ((requests - 1) // limit) * window if requests else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="models on the test Hub (default 5000)")
    parser.add_argument("--workers", type=int, default=config.DEFAULT_FETCH_WORKERS, help="parallel downloads")
    args = parser.parse_args()

    default = Policy()
    unlimited = Policy(api_budget=10**9, file_budget=10**9)
    specs = generate(args.n, seed=7)
    with HubServer(page_size=1000) as hub, tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
        hub.load(specs)
        os.environ["HF_ENDPOINT"] = hub.url
        cards = Path(tmp) / "cards"
        print(f"{args.n} models, {args.workers} workers, server and client in one process on 127.0.0.1")
        print(f"{'run':<12} {'exit':>4} {'seconds':>8} {'API req':>8} {'file req':>9} {'READMEs':>8} {'at Hub limits':>14}")
        for label in ("cold", "warm", "1% changed"):
            if label == "1% changed":
                for spec in specs[::100]:
                    repo_id = f"huggingtweets/{spec.name}"
                    hub.update(repo_id, hub.repos[repo_id].files["README.md"] + b"\nretrained\n")
            hub.clear_log()
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = fetch(cards_dir=cards, author="huggingtweets", workers=args.workers, policy=unlimited).code
            seconds = time.perf_counter() - started
            api, files = len(hub.requests("api")), len(hub.requests("file"))
            floor = max(
                floor_seconds(api, default.api_budget, default.window),
                floor_seconds(files, default.file_budget, default.window),
            )
            print(
                f"{label:<12} {code:>4} {seconds:>8.1f} {api:>8} {files:>9} {len(hub.downloaded()):>8}"
                f" {f'>= {floor / 60:.0f} min' if floor else '(no wait)':>14}"
            )


if __name__ == "__main__":
    main()
