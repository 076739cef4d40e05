"""What the fetch tests share (test_fetch.py, test_fetch_hostile.py, test_predict.py).

How a run is started (in process through the command line's own printer, or as
a child process), what a snapshot and the server hold, the paths of the
listing and of a README's two requests, and the ``small`` fixture.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.hubserver import HubServer

from generator.cli import report_fetch
from generator.corpus import generate, write_snapshot
from generator.fetch import Policy, fetch

ROOT = Path(__file__).resolve().parent.parent
#: Short waits so faults cost milliseconds, and no budget in the way.
FAST = Policy(
    timeout=1.5,
    request_seconds=5.0,
    task_seconds=10.0,
    run_seconds=120.0,
    retries=3,
    backoff=0.01,
    max_backoff=0.05,
    max_pause=2.0,
    api_budget=10**6,
    file_budget=10**6,
)
#: The listing's path, as a pattern for :meth:`HubServer.add_fault`.
LISTING = r"^/api/models$"


def run_fetch(cards: Path, *, policy: Policy, workers: int = 4, avatars: bool = False, allow_mass_removal: bool = False) -> int:
    """One fetch of ``huggingtweets`` into ``cards``, reported as the command line reports it
    (the summary and ``fetch exit N`` on stdout, an ``error:`` line on stderr); its exit code."""
    return report_fetch(
        lambda: fetch(
            cards_dir=cards,
            author="huggingtweets",
            workers=workers,
            avatars=avatars,
            policy=policy,
            allow_mass_removal=allow_mass_removal,
        )
    )


def fetch_process(cards: Path, *flags: str, capture: bool) -> subprocess.Popen[str]:
    """``python -m generator fetch --cards CARDS FLAGS...`` as a child process of this checkout
    (its output piped when ``capture``, else thrown away)."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "fetch", "--cards", str(cards), *flags],
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        stdout=out,
        stderr=out,
        text=True,
        preexec_fn=_as_in_a_terminal,
    )


def _as_in_a_terminal() -> None:
    """The child takes SIGINT as a terminal's foreground command does (Ctrl-C stops it).

    A suite started in the background by a non-interactive shell (``cmd &``,
    as some CI wrappers do) inherits SIGINT ignored, and Python then installs
    no handler for it: the Ctrl-C test would send a signal nobody receives.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def readme_path(repo_id: str, step: str) -> str:
    """The path of a README's first request (``resolve``) or of its commit-pinned redirect (``pinned``)."""
    return rf"^/{repo_id}/resolve/" if step == "resolve" else rf"^/api/resolve-cache/models/{repo_id}/"


def snapshot_state(cards: Path) -> dict[str, tuple[bytes | None, dict[str, Any] | None]]:
    """name -> (README bytes or None, meta.json or None) for every model folder."""
    out = {}
    for folder in sorted(p for p in cards.iterdir() if p.is_dir() and not p.name.startswith(".")):
        readme, meta = folder / "README.md", folder / "meta.json"
        out[folder.name] = (
            readme.read_bytes() if readme.exists() else None,
            json.loads(meta.read_text(encoding="utf-8")) if meta.exists() else None,
        )
    return out


def served_state(hub: HubServer) -> dict[str, tuple[bytes | None, dict[str, Any]]]:
    """What a complete, exact snapshot of the server looks like."""
    out = {}
    for repo_id, repo in hub.repos.items():
        readme = repo.files.get("README.md")
        meta = {"id": repo_id, **repo.meta} | ({} if readme is not None else {"has_readme": False})
        out[repo_id.split("/", 1)[1]] = (readme, meta)
    return dict(sorted(out.items()))


@pytest.fixture
def small(hub: HubServer, tmp_path: Path) -> tuple[HubServer, Path, list[str]]:
    """20 models already in the snapshot, 5 of them since updated on the server."""
    specs = generate(20, seed=2)
    hub.load(specs)
    hub.page_size = 8
    cards = tmp_path / "cards"
    write_snapshot(cards, specs, mojibake_share=0)
    updated = [f"huggingtweets/{s.name}" for s in specs[:5]]
    for repo_id in updated:
        hub.update(repo_id, hub.repos[repo_id].files["README.md"].replace(b"huggingtweets", b"huggingtweets (v2)", 1))
    return hub, cards, updated
