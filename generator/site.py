"""The ``build`` stage: cards -> bots -> images and pages in ``docs/`` -> MkDocs -> ``site/``.

Each stage is its own module; this one only wires them and times them:

1. :func:`generator.normalise.normalise_paths` reads the snapshot;
2. :func:`generator.thumbnails.draw_thumbnails` draws the 1200x630 cards
   (kept between builds, redrawn only when a bot changes);
3. :func:`small_thumbnails` makes the gallery-size variants, and
   :func:`copy_avatars` copies cached avatars (never fetched);
4. :func:`generator.render.render_docs` writes pages, data and charts;
5. MkDocs renders ``docs/`` into the output folder, strictly.

By default the pages go into the project's own ``docs/``, as ``make site``
and ``mkdocs serve`` expect. ``docs_dir`` points the build at another folder
instead: the hand-written files are copied there first, so tests and
benchmarks never touch (or race on) the working tree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import config, render, snapshot
from .errors import BuildError, GeneratorError, OutputCollisionError
from .models import Bot

#: The project folder: ``mkdocs.yml`` and the hand-written ``docs/`` live here.
ROOT = Path(__file__).resolve().parent.parent
MKDOCS_YML = ROOT / "mkdocs.yml"
DOCS = ROOT / "docs"
#: Image folders inside ``docs/`` (git-ignored caches, kept between builds).
THUMBS, SMALL, AVATARS = "img/thumbs", "img/small", "img/avatars"
#: Gallery variant: a third of the 1200x630 card, as WebP (a tenth of the PNG's bytes).
SMALL_FACTOR, SMALL_SUFFIX = 3, ".webp"
MANIFEST = ".manifest.json"


@dataclass
class BuildReport:
    """What a build did: the bots it published, the cards it reported, seconds per stage."""

    bots: list[Bot] = field(default_factory=list)
    problems: int = 0
    skipped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start


def build_site(
    *, cards: list[Path], out_dir: Path, jobs: int | None, docs_dir: Path | None = None
) -> int:
    """Build the site from ``cards`` into ``out_dir``; 0 when built (even with problem cards).

    Prints one line per card with problems, then a summary; a snapshot that
    cannot be read or a site MkDocs refuses is one ``error:`` line and exit 1.
    """
    try:
        report = build(cards=cards, out_dir=out_dir, jobs=jobs, docs_dir=docs_dir)
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"built {len(report.bots)} bot pages ({report.problems} cards with problems, "
        f"{report.skipped} skipped) -> {out_dir}",
        file=sys.stderr,
    )
    return 0


def build(*, cards: Sequence[Path], out_dir: Path, jobs: int | None, docs_dir: Path | None = None) -> BuildReport:
    """:func:`build_site` without the printing of the summary: returns the :class:`BuildReport`."""
    from .normalise import normalise_paths
    from .thumbnails import draw_thumbnails

    report = BuildReport()
    with report.stage("normalise"):
        everything = normalise_paths(cards, jobs=jobs)
    for bot in everything:
        if bot.problems:
            report.problems += 1
            print(f"{bot.id}: {'; '.join(bot.problems)}", file=sys.stderr)
    report.bots = publishable(everything)
    report.skipped = len(everything) - len(report.bots)
    docs = docs_dir or DOCS
    if docs_dir is not None:
        stage_docs(docs_dir)
    avatars_dir = next((p / ".avatars" for p in map(Path, cards) if (p / ".avatars").is_dir()), None)
    with report.stage("thumbnails"):
        thumbs = draw_thumbnails(report.bots, out_dir=docs / THUMBS, avatars_dir=avatars_dir, jobs=jobs)
    with report.stage("small thumbnails"):
        small = small_thumbnails(thumbs, out_dir=docs / SMALL, jobs=jobs)
    with report.stage("avatars"):
        avatars = copy_avatars(report.bots, avatars_dir=avatars_dir, out_dir=docs / AVATARS)
    images = render.Images(
        thumbs={name: f"{THUMBS}/{path.name}" for name, path in thumbs.items()},
        small={name: f"{SMALL}/{path.name}" for name, path in small.items()},
        avatars={url: f"{AVATARS}/{path.name}" for url, path in avatars.items()},
    )
    with report.stage("pages"):
        render.render_docs(
            bots=report.bots,
            docs_dir=docs,
            images=images,
            site_url=site_url(),
            snapshot_day=snapshot.snapshot_date(cards),
        )
    with report.stage("mkdocs"):
        run_mkdocs(docs_dir=docs, out_dir=out_dir)
    return report


def publishable(bots: Sequence[Bot]) -> list[Bot]:
    """The bots that get a page: valid repo names, distinct when letter case is ignored.

    An invalid name was already reported as a problem by the normaliser; two
    names that differ only in case would share a URL, which is refused.
    """
    seen: dict[str, str] = {}
    out = []
    for bot in bots:
        if not snapshot.is_valid_name(bot.name):
            continue
        key = bot.name.casefold()
        if key in seen:
            raise OutputCollisionError(
                f"{bot.id} and {seen[key]} would both be published at /bots/{key}/; remove one from the snapshot"
            )
        seen[key] = bot.id
        out.append(bot)
    return out


def site_url() -> str:
    """The public URL (``GALLERY_SITE_URL``) with one trailing slash, or ``""``."""
    return config.SITE_URL.rstrip("/") + "/" if config.SITE_URL else ""


def stage_docs(docs_dir: Path) -> None:
    """Copy the hand-written part of the project's ``docs/`` into ``docs_dir`` (cache folders kept)."""
    skip = {*render.GENERATED, "img"}
    docs_dir.mkdir(parents=True, exist_ok=True)
    for item in DOCS.iterdir():
        if item.name in skip:
            continue
        target = docs_dir / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


# --- images -------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError, AttributeError):
        return {}


def _shrink(items: list[tuple[str, str]]) -> None:
    from PIL import Image

    for source, target in items:
        with Image.open(source) as im:
            small = im.convert("RGB").reduce(SMALL_FACTOR)
        tmp = Path(target).with_suffix(".tmp")
        small.save(tmp, "WEBP", quality=80, method=4)
        os.replace(tmp, target)


def small_thumbnails(thumbs: Mapping[str, Path], *, out_dir: Path, jobs: int | None) -> dict[str, Path]:
    """Gallery-size copies of the full thumbnails, remade only when the full PNG's bytes change.

    The manifest maps each bot to the SHA-256 of the PNG its variant was made
    from; variants of bots that are gone are deleted.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    old = _read_manifest(manifest_path)
    new: dict[str, str] = {}
    todo: list[tuple[str, str]] = []
    out: dict[str, Path] = {}
    for name, source in sorted(thumbs.items()):
        target = out_dir / f"{name}{SMALL_SUFFIX}"
        new[name] = _digest(source)
        if old.get(name) != new[name] or not target.is_file():
            todo.append((str(source), str(target)))
        out[name] = target
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs > 1 and len(todo) > 200:
        size = -(-len(todo) // (jobs * 4))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(_shrink, [todo[i : i + size] for i in range(0, len(todo), size)]))
    else:
        _shrink(todo)
    for stale in out_dir.glob(f"*{SMALL_SUFFIX}"):
        if stale.name[: -len(SMALL_SUFFIX)] not in new:
            stale.unlink()
    snapshot.atomic_write(manifest_path, (json.dumps(new, indent=1, sort_keys=True) + "\n").encode())
    return out


def copy_avatars(bots: Sequence[Bot], *, avatars_dir: Path | None, out_dir: Path) -> dict[str, Path]:
    """Copy each cached avatar the bots use into ``out_dir``; return avatar URL -> copy.

    Avatars are never fetched here: a URL without a cached image gets no
    entry, and the pages draw initials instead. Copies no bot uses are removed.
    """
    out: dict[str, Path] = {}
    if avatars_dir is not None:
        for url in sorted({u.avatar for b in bots for u in b.users if u.avatar}):
            cached = snapshot.avatar_cache_path(avatars_dir, url)
            if cached is None:
                continue
            target = out_dir / cached.name
            if not target.is_file() or target.stat().st_size != cached.stat().st_size:
                out_dir.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cached, target)
            out[url] = target
    keep = {p.name for p in out.values()}
    if out_dir.is_dir():
        for stale in out_dir.iterdir():
            if stale.name not in keep:
                stale.unlink()
    return out


# --- MkDocs --------------------------------------------------------------------------


def run_mkdocs(*, docs_dir: Path, out_dir: Path) -> None:
    """``mkdocs build --strict`` of ``docs_dir`` into ``out_dir``, through MkDocs' Python API."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    overrides: dict[str, object] = {"docs_dir": str(docs_dir.resolve()), "site_dir": str(out_dir.resolve()), "strict": True}
    if site_url():
        overrides["site_url"] = site_url()
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        cfg = load_config(config_file=str(MKDOCS_YML), **overrides)
        mkdocs_build(cfg)
    except MkDocsException as exc:  # strict mode's Abort is one too
        raise BuildError(f"mkdocs could not build {docs_dir} into {out_dir}: {exc}") from exc
