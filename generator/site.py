"""The ``build`` stage: cards -> bots -> images and pages in ``docs/`` -> MkDocs -> ``site/``.

Each stage is its own module; this one only wires them and times them:

1. :func:`generator.normalise.normalise_snapshot` reads the
   :class:`~generator.snapshot.Snapshot`, taking cards whose bytes did not
   change from the build cache (:mod:`generator.buildcache`, ``docs/.cache/``);
2. a drawing process starts on the statistics charts
   (:func:`generator.render.draw_charts`, needed before MkDocs runs), then on
   :func:`generator.thumbnails.draw_thumbnails` (1200x630 cards, redrawn only
   when a bot changes), while
3. :func:`copy_avatars` copies cached avatars (never fetched; the gallery's
   cards and the pages show them),
   :func:`generator.render.render_docs` writes pages and data (a file
   already holding the same bytes is left alone), and
4. MkDocs renders ``docs/`` into the output folder, strictly, leaving out
   the image folders (:data:`LINKED`), which
5. :func:`link_images` hard-links into the site once both are done.

By default the pages go into the project's own ``docs/`` (beside
``mkdocs.yml`` in :attr:`Settings.project_dir <generator.config.Settings.project_dir>`,
the current folder unless ``GALLERY_PROJECT`` says otherwise), as ``make site``
and ``mkdocs serve`` expect. ``docs_dir`` points the build at another folder
instead: the hand-written files are copied there first, so tests and
benchmarks never touch (or race on) the working tree.

The build logs (:mod:`logging`, logger ``generator.site``) and returns a
:class:`BuildReport`; printing and exit codes are the command line's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import buildcache, history, pool, publish, quality, render, snapshot, validate
from .config import Settings
from .errors import BuildError
from .models import Bot
from .snapshot import Snapshot

log = logging.getLogger(__name__)
#: Image folders inside ``docs/`` (git-ignored caches, kept between builds).
#: ``AVATAR_COPIES`` holds copies of the snapshot's avatar cache (``cards/.avatars/``) that the pages link to.
THUMBS, AVATAR_COPIES = "img/thumbs", "img/avatars"
#: Image folders MkDocs is told to skip; the build links them into the site itself,
#: so they can be drawn while MkDocs runs (and are not copied byte by byte).
LINKED = (THUMBS,)
#: Image caches older builds made that nothing uses any more (the gallery-size
#: WebP copies of the thumbnails): deleted, so MkDocs does not publish them.
RETIRED = ("img/small",)


@dataclass
class BuildReport:
    """What a build did: the bots it published, the cards it reported, seconds per stage."""

    bots: list[Bot] = field(default_factory=list)
    problems: int = 0
    skipped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of this process per stage (a busy machine stretches wall time, much less this).
    cpu: dict[str, float] = field(default_factory=dict)
    #: Problem kind (:func:`generator.quality.kind_of`, the data-quality page's) -> how many cards have it.
    kinds: Counter[quality.Kind] = field(default_factory=Counter)
    #: One ``<repo id>: problem; problem`` line per card with problems.
    lines: list[str] = field(default_factory=list)
    #: One ``<repo id>: not published: <why>`` line per bot left out (:func:`generator.publish.publishable`).
    skipped_lines: list[str] = field(default_factory=list)
    #: Cards read and parsed anew (the others came from the build cache).
    cards_read: int = 0
    #: Generated files written (the others already held the same bytes).
    pages_written: int = 0
    #: Pages rendered anew, and pages taken from the page cache (:class:`generator.buildcache.RenderCache`).
    pages_rendered: int = 0
    pages_cached: int = 0
    #: MkDocs did not run: everything it reads was what made the site, and the site still held what it wrote.
    mkdocs_skipped: bool = False

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        yield
        self.seconds[name] = time.perf_counter() - start
        self.cpu[name] = time.process_time() - cpu


def build(
    *,
    cards: Sequence[Path] | None = None,
    out_dir: Path | None = None,
    jobs: int | None = None,
    docs_dir: Path | None = None,
    settings: Settings | None = None,
) -> BuildReport:
    """Build the site; return the :class:`BuildReport`.

    ``settings`` (default: from the environment) say where the cards, the
    site and the project are; ``cards``, ``out_dir`` and ``jobs`` override them.
    Raises :class:`~generator.errors.GeneratorError` when the site cannot be built.

    The stages overlap where they can: the images are drawn in a separate
    process while the pages are rendered and MkDocs builds them (MkDocs only
    needs the images' paths), so MkDocs' one busy core and the drawing's
    other cores (:func:`drawing_jobs`) work at once. MkDocs is told to leave
    the image folders out (:data:`LINKED`); once both are done, the images
    are hard-linked (or copied) into the site. If a thumbnail could not be drawn after all, the
    pages are rendered again without it and MkDocs runs again.
    """
    from .normalise import normalise_snapshot

    settings = settings or Settings.from_env()
    overrides = {"cards": tuple(cards) if cards else None, "site_dir": out_dir, "jobs": jobs}
    settings = _project(settings.replace(**{k: v for k, v in overrides.items() if v is not None}))
    snap = Snapshot.open(settings=settings)
    out_dir, jobs = settings.site_dir, settings.jobs

    report = BuildReport()
    docs = docs_dir or settings.docs_dir
    if docs_dir is not None:
        stage_docs(docs_dir, settings=settings)
    for rel in RETIRED:
        shutil.rmtree(docs / rel, ignore_errors=True)
    with report.stage("normalise"):
        cache = buildcache.CardCache.load(docs)
        everything = normalise_snapshot(snap, jobs=jobs, cache=cache)
    report.cards_read = cache.misses
    for bot in everything:
        if bot.problems:
            report.problems += 1
            report.kinds.update({quality.kind_of(p) for p in bot.problems})  # a card counts once per kind
            report.lines.append(f"{bot.id}: {'; '.join(bot.problems)}")
            log.debug("%s", report.lines[-1])
    report.bots, report.skipped_lines = publish.publishable(everything)
    report.skipped = len(report.skipped_lines)
    with report.stage("avatars"):
        avatars = copy_avatars(report.bots, avatars_dir=snap.avatars_dir, out_dir=docs / AVATAR_COPIES)
    # The drawing runs in its own process from here on; every bot is expected
    # to get its thumbnail (a failure is rare and handled after MkDocs).
    started = time.perf_counter()
    names = [b.name for b in report.bots]
    expected = images_for(thumbs=names, avatars=avatars)
    day = snap.date(report.bots)
    trends = history.load(settings.cards)
    with ProcessPoolExecutor(max_workers=1) as drawer:
        # The statistics charts first (MkDocs needs them, ~5 s whatever the snapshot's size), then
        # the thumbnails (linked in after MkDocs): the pages are rendered meanwhile, in this process.
        # One statistics pass a build: its charts go to the drawing process, its numbers to the page.
        statistics = render.statistics_of(bots=report.bots, docs_dir=docs)
        charting = drawer.submit(render.draw_charts, statistics.jobs, docs)
        drawing = drawer.submit(_draw_images, report.bots, docs, snap.avatars_dir, drawing_jobs(jobs))
        charts_drawn = _waited(report, "waiting for charts", charting.result)
        with report.stage("pages"):
            pages = buildcache.RenderCache.load(docs)
            _render(report, docs=docs, images=expected, settings=settings, day=day, trends=trends, cache=pages,
                    charts_drawn=charts_drawn, statistics=statistics)  # fmt: skip
        with report.stage("mkdocs"):
            report.mkdocs_skipped = not run_mkdocs_if_changed(
                docs_dir=docs, out_dir=out_dir, settings=settings, build_day=day, exclude=LINKED
            )
        with report.stage("waiting for images"):
            drawn = drawing.result()
    charted = charting.result()
    report.seconds["charts (overlapped)"], report.cpu["charts (overlapped)"] = charted["seconds"], charted["cpu"]
    report.seconds["images (overlapped)"] = drawn["seconds"]
    report.cpu["images (overlapped)"] = drawn["cpu"]
    report.seconds["images wall"] = time.perf_counter() - started
    thumbs = drawn["thumbs"]
    final = images_for(thumbs=thumbs, avatars=avatars)
    if final != expected:  # a thumbnail failed: no page may point at it
        with report.stage("pages again"):
            _render(report, docs=docs, images=final, settings=settings, day=day, trends=trends, cache=pages,
                    charts_drawn=charts_drawn, statistics=statistics)  # fmt: skip
        with report.stage("mkdocs again"):
            run_mkdocs_if_changed(docs_dir=docs, out_dir=out_dir, settings=settings, build_day=day, exclude=LINKED)
    with report.stage("link images"):
        link_images(docs=docs, out_dir=out_dir, files=[docs / THUMBS / f"{n}.png" for n in thumbs])
    with report.stage("cache"):
        cache.save()
        pages.save()
    return report


def _waited(report: BuildReport, stage: str, wait: Callable[[], object]) -> Callable[[], object]:
    """``wait``, adding the wall and CPU seconds it takes to ``report``'s ``stage`` (inside another stage)."""

    def timed() -> object:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return wait()
        finally:
            report.seconds[stage] = report.seconds.get(stage, 0.0) + time.perf_counter() - start
            report.cpu[stage] = report.cpu.get(stage, 0.0) + time.process_time() - cpu

    return timed


def drawing_jobs(jobs: int | None) -> int:
    """Processes that draw the images while this one renders pages and runs MkDocs: one core
    fewer than the build's ``jobs`` (at least one), so MkDocs, which uses one core, keeps it."""
    return max(1, pool.jobs_or_cores(jobs) - 1)


def _draw_images(bots: list[Bot], docs: Path, avatars_dir: Path | None, jobs: int | None) -> dict:
    """The thumbnails, in the drawing process: the names drawn, and the seconds it took."""
    from .thumbnails import draw_thumbnails

    start, cpu = time.perf_counter(), _cpu_with_children()
    thumbs = draw_thumbnails(bots, out_dir=docs / THUMBS, avatars_dir=avatars_dir, jobs=jobs)
    return {"thumbs": sorted(thumbs), "seconds": time.perf_counter() - start, "cpu": _cpu_with_children() - cpu}


def _cpu_with_children() -> float:
    """CPU seconds of this process and of its child processes that have ended (the drawing workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def images_for(*, thumbs: Sequence[str], avatars: Mapping[str, Path]) -> render.Images:
    """The :class:`render.Images` of the bots named in ``thumbs``, and of the avatar copies."""
    return render.Images(
        thumbs={name: f"{THUMBS}/{name}.png" for name in sorted(thumbs)},
        avatars={url: f"{AVATAR_COPIES}/{path.name}" for url, path in sorted(avatars.items())},
    )


def _render(
    report: BuildReport,
    *,
    docs: Path,
    images: render.Images,
    settings: Settings,
    day: str | None,
    trends: Mapping[str, history.Trend],
    cache: buildcache.RenderCache | None = None,
    charts_drawn: Callable[[], object] | None = None,
    statistics: render.Statistics | None = None,
) -> None:
    writer = render.Writer(docs)
    hits, misses = (cache.hits, cache.misses) if cache is not None else (0, 0)
    render.render_docs(
        bots=report.bots,
        docs_dir=docs,
        images=images,
        site_url=settings.site_url,
        snapshot_day=day,
        trends=trends,
        writer=writer,
        cache=cache,
        charts_drawn=charts_drawn,
        statistics=statistics,
    )
    report.pages_written = writer.written
    if cache is not None:
        report.pages_cached, report.pages_rendered = cache.hits - hits, cache.misses - misses


def link_images(*, docs: Path, out_dir: Path, files: Sequence[Path]) -> None:
    """Hard-link each of ``files`` (under ``docs``) to the same place under ``out_dir``, else copy it.

    Files of those folders (and of :data:`LINKED`) that are not in ``files`` are removed.
    A hard link costs no bytes and no time; the image caches replace files
    by renaming, never in place, so a linked site file keeps its bytes when
    the cache later changes. Across file systems a copy is made instead.
    """
    keep = {source.relative_to(docs) for source in files}
    for folder in {p.parent for p in keep} | {Path(rel) for rel in LINKED}:
        if (out_dir / folder).is_dir():  # what MkDocs, skipped (run_mkdocs_if_changed), did not clean
            for stale in (out_dir / folder).iterdir():
                if stale.relative_to(out_dir) not in keep and not stale.is_dir():
                    stale.unlink()
    for source in files:
        target = out_dir / source.relative_to(docs)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def publishable(bots: Sequence[Bot]) -> list[Bot]:
    """The bots that get pages (see :func:`generator.publish.publishable`, which also says why the rest do not)."""
    return publish.publishable(bots)[0]


def site_url(settings: Settings | None = None) -> str:
    """The public URL (``GALLERY_SITE_URL``) with one trailing slash, or ``""``."""
    return (settings or Settings.from_env()).site_url


def stage_docs(docs_dir: Path, *, settings: Settings | None = None) -> None:
    """Copy the hand-written part of the project's ``docs/`` into ``docs_dir`` (cache folders kept)."""
    source = _project(settings or Settings.from_env()).docs_dir
    skip = {*render.GENERATED, "img", buildcache.CACHE_DIR}
    docs_dir.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.name in skip:
            continue
        target = docs_dir / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copy2(item, target)


def _project(settings: Settings) -> Settings:
    """``settings``, once their project folder is known to hold ``mkdocs.yml`` and ``docs/``."""
    if not settings.mkdocs_yml.is_file() or not settings.docs_dir.is_dir():
        where = settings.project_dir.resolve()
        raise BuildError(
            f"no mkdocs.yml and docs/ in {where}: run build in a checkout of the gallery, "
            "or set GALLERY_PROJECT to one"
        )
    return settings


# --- images -------------------------------------------------------------------------


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


@contextmanager
def _source_date(day: str | None) -> Iterator[None]:
    """``SOURCE_DATE_EPOCH`` set to ``day`` (midnight UTC; the epoch when unknown) unless already set.

    MkDocs stamps the sitemap's ``lastmod`` and the gzipped sitemap's header
    with the build date; the snapshot's date instead makes the same snapshot
    give the same bytes on any day, on any machine.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    when = validate.parse_date(day) if day else None
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()) if when else 0)
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


#: The record of the last MkDocs run, in the build cache: the key of everything it read and a
#: digest of every file it left in the output folder.
SITE_RECORD = "site.json"


def run_mkdocs_if_changed(
    *,
    docs_dir: Path,
    out_dir: Path,
    settings: Settings,
    build_day: str | None = None,
    exclude: Sequence[str] = (),
) -> bool:
    """:func:`run_mkdocs`, unless nothing it reads changed since it made ``out_dir``; True if it ran.

    What MkDocs reads is hashed (:func:`mkdocs_key`): every file of ``docs_dir`` but the build
    cache and ``exclude`` (the overrides, the theme's icons and hooks included), ``mkdocs.yml``,
    the date it stamps, the overrides this build gives it, the generator's code (the hooks) and
    every installed package's version (MkDocs, the theme, Markdown and its extensions). When that
    key is the one recorded after the last run and every file of ``out_dir`` (but ``exclude``,
    which the build links in itself) still has the bytes that run left, and no file was added,
    MkDocs would write the same bytes again: it is not run. The record is removed before MkDocs
    runs and written only once it succeeded, so an interrupted or failed run is never trusted.
    """
    record = docs_dir / buildcache.CACHE_DIR / SITE_RECORD
    key = mkdocs_key(docs_dir=docs_dir, out_dir=out_dir, settings=settings, build_day=build_day, exclude=exclude)
    try:
        old = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = None
    if isinstance(old, dict) and old.get("key") == key and old.get("files") == _output_digests(out_dir, exclude):
        return False
    record.unlink(missing_ok=True)
    run_mkdocs(docs_dir=docs_dir, out_dir=out_dir, settings=settings, build_day=build_day, exclude=exclude)
    record.parent.mkdir(parents=True, exist_ok=True)
    snapshot.atomic_write(record, json.dumps({"key": key, "files": _output_digests(out_dir, exclude)}).encode())
    return True


def mkdocs_key(
    *, docs_dir: Path, out_dir: Path, settings: Settings, build_day: str | None, exclude: Sequence[str]
) -> str:
    """A hash of everything a :func:`run_mkdocs` of ``docs_dir`` into ``out_dir`` reads (see :func:`run_mkdocs_if_changed`)."""
    packages = installed_packages()
    h = hashlib.sha256()
    h.update(json.dumps({
        "code": buildcache.code_version(), "python": sys.version, "packages": packages,
        "mkdocs.yml": settings.mkdocs_yml.read_bytes().hex(), "site_url": settings.site_url,
        "docs": str(docs_dir.resolve()), "site": str(out_dir.resolve()), "day": build_day,
        "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH"), "exclude": list(exclude),
    }, sort_keys=True).encode())  # fmt: skip
    skip = {buildcache.CACHE_DIR, *(rel.strip("/") for rel in exclude)}
    for rel, path in _files(docs_dir, skip):
        data = _read(path)
        h.update(f"{rel}\0{len(data)}\0".encode("utf-8", "surrogateescape") + data)
    return h.hexdigest()


def _files(root: Path, skip: set[str]) -> list[tuple[str, str]]:
    """(posix path relative to ``root``, path) of every file under ``root``, sorted, but those under ``skip``.

    Strings, not :class:`Path`: a 20,000-bot site has 40,000 folders and files to walk each build.
    """
    out: list[tuple[str, str]] = []
    top = os.fspath(root)
    for folder, dirs, names in os.walk(top, followlinks=True):  # as MkDocs walks docs/
        rel_folder = "" if folder == top else folder[len(top) + 1 :].replace(os.sep, "/") + "/"
        dirs[:] = [d for d in dirs if rel_folder + d not in skip]
        out.extend((rel_folder + name, os.path.join(folder, name)) for name in names if rel_folder + name not in skip)
    out.sort()
    return out


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _output_digests(out_dir: Path, exclude: Sequence[str]) -> dict[str, str]:
    """Every file of ``out_dir`` (but ``exclude``) -> the SHA-256 of its bytes; ``{}`` without it."""
    if not out_dir.is_dir():
        return {}
    skip = {rel.strip("/") for rel in exclude}
    return {rel: hashlib.sha256(_read(path)).hexdigest() for rel, path in _files(out_dir, skip)}


def installed_packages() -> list[str]:
    """The name and version of every installed distribution (its ``.dist-info``/``.egg-info`` folder
    names, found on :data:`sys.path`): any of them may be a MkDocs plugin, theme or extension."""
    found = set()
    for entry in sys.path:
        try:
            found.update(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return sorted(found)


def run_mkdocs(
    *,
    docs_dir: Path,
    out_dir: Path,
    settings: Settings | None = None,
    build_day: str | None = None,
    exclude: Sequence[str] = (),
) -> None:
    """``mkdocs build --strict`` of ``docs_dir`` into ``out_dir``, through MkDocs' Python API.

    ``exclude``: folders of ``docs_dir`` to leave out of this run on top of
    ``mkdocs.yml``'s ``exclude_docs`` (the build links its images in itself).

    ``build_day`` (``YYYY-MM-DD``) is the date MkDocs stamps into the output
    (see :func:`_source_date`).
    """
    settings = _project(settings or Settings.from_env())
    import pathspec
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    overrides: dict[str, object] = {"docs_dir": str(docs_dir.resolve()), "site_dir": str(out_dir.resolve()), "strict": True}
    if settings.site_url:
        overrides["site_url"] = settings.site_url
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    try:
        with _source_date(build_day):
            cfg = load_config(config_file=str(settings.mkdocs_yml), **overrides)
            if exclude:
                extra = pathspec.gitignore.GitIgnoreSpec.from_lines([f"/{rel.strip('/')}/" for rel in exclude])
                cfg["exclude_docs"] = cfg["exclude_docs"] + extra if cfg["exclude_docs"] else extra
            mkdocs_build(cfg)
    except MkDocsException as exc:  # strict mode's Abort is one too
        raise BuildError(f"mkdocs could not build {docs_dir} into {out_dir}: {exc}") from exc
