"""The committed card snapshot in ``cards/``: how it is laid out, read and written.

Layout, one folder per model, named after the repo name (``huggingtweets/<name>``)::

    cards/<name>/README.md   the model card, byte for byte as the Hub served it
    cards/<name>/meta.json   the model's Hub metadata (see below)

``meta.json`` holds the Hub's own field names: ``id``, ``sha``, ``createdAt``,
``lastModified``, ``downloads``, ``likes``, ``tags``, ``pipeline_tag``,
``library_name``, plus ``has_readme: false`` for a repo without a README.
Fields the Hub did not tell us are absent, never invented. ``meta.json`` is
written last, after ``README.md``: it records which ``sha`` the card belongs
to, so an interrupted refresh is detected (old sha) and redone next time.

Every write goes to a temporary file in the same folder and is renamed into
place, so a reader never sees half a file.

Loose cards are accepted too: ``NAME.md`` is read as the README of
``<author>/NAME`` with no metadata.

A run opens the snapshot once as a :class:`Snapshot`, which owns the facts
about it that stages share: its sources, the author its repo ids belong to,
the avatar cache (``cards/.avatars/``), and the snapshot's date (one rule:
:meth:`Snapshot.date`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_AUTHOR, Settings
from .errors import SnapshotError
from .files import atomic_write  # noqa: F401 (the one atomic write; fetch imports it from here)

if TYPE_CHECKING:
    from .models import Bot

#: The default author (kept for callers of old; a run's author is ``Settings.author``).
AUTHOR = DEFAULT_AUTHOR
README = "README.md"
META = "meta.json"
#: The avatar cache inside a snapshot folder: ``<sha256(url)[:16]>.jpg`` per avatar, plus an index.
AVATARS_DIR = ".avatars"
_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Longest a git query about the snapshot may take, in seconds.
GIT_TIMEOUT = 30

#: A repo name is one to six Twitter handles (letters, digits, underscore)
#: joined with ``-``. Nothing else may become a folder or a page path.
NAME_RE = re.compile(r"^[A-Za-z0-9_]{1,50}(?:-[A-Za-z0-9_]{1,50}){0,9}$")


def is_valid_name(name: str) -> bool:
    """True for a plain repo name that is safe as a path component.

    >>> is_valid_name("dril-kanyewest-ph4370n"), is_valid_name("../etc"), is_valid_name("a/b")
    (True, False, False)
    """
    return bool(NAME_RE.fullmatch(name)) and len(name) <= 200


@dataclass(frozen=True)
class CardSource:
    """One model's raw inputs as found on disk, before any parsing."""

    name: str
    readme: bytes | None  # None: no README (or it could not be read)
    meta: dict[str, Any]
    path: Path  # the folder or loose file it came from
    problems: tuple[str, ...] = ()
    author: str = DEFAULT_AUTHOR  # the Hub author the repo belongs to

    @property
    def repo_id(self) -> str:
        return f"{self.author}/{self.name}"


def _read_entry(folder: Path, author: str) -> CardSource:
    problems: list[str] = []
    meta: dict[str, Any] = {}
    meta_path = folder / META
    if meta_path.exists():
        try:
            loaded = json.loads(meta_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                meta = loaded
            else:
                problems.append(f"{META} is not a JSON object")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{META} is not valid JSON ({exc})")
    readme: bytes | None = None
    readme_path = folder / README
    if readme_path.exists():
        try:
            readme = readme_path.read_bytes()
        except OSError as exc:
            problems.append(f"{README} could not be read ({exc.strerror})")
    return CardSource(
        name=folder.name, readme=readme, meta=meta, path=folder, problems=tuple(problems), author=author
    )


def _is_entry(folder: Path) -> bool:
    return (folder / README).is_file() or (folder / META).is_file()


def iter_sources(paths: Iterable[Path | str], *, author: str = DEFAULT_AUTHOR) -> Iterator[CardSource]:
    """Yield every card found under ``paths``, in a stable (sorted) order.

    Each path may be a snapshot folder (one sub-folder per model), a single
    model folder, a folder of loose ``NAME.md`` files, or one loose file.
    Raises :class:`SnapshotError` for a path that does not exist; entries whose
    name is not a valid repo name are yielded with a problem and no content.
    Repo ids are ``<author>/<name>``.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SnapshotError(f"{path}: no such file or folder (expected a cards/ snapshot or a NAME.md card)")
        if path.is_file():
            yield _loose(path, author)
        elif _is_entry(path) and not any(p.is_dir() and _is_entry(p) for p in path.iterdir()):
            yield _checked(_read_entry(path, author))
        else:
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                if child.is_dir() and _is_entry(child):
                    yield _checked(_read_entry(child, author))
                elif child.is_file() and child.suffix == ".md":
                    yield _loose(child, author)


def _loose(path: Path, author: str) -> CardSource:
    name = path.name[:-3] if path.name.endswith(".md") else path.stem
    try:
        data: bytes | None = path.read_bytes()
        problems: tuple[str, ...] = ()
    except OSError as exc:
        data, problems = None, (f"could not be read ({exc.strerror})",)
    return _checked(CardSource(name=name, readme=data, meta={}, path=path, problems=problems, author=author))


def _checked(source: CardSource) -> CardSource:
    if is_valid_name(source.name):
        meta_id = source.meta.get("id")
        if isinstance(meta_id, str) and meta_id != source.repo_id:
            return CardSource(
                source.name,
                source.readme,
                source.meta,
                source.path,
                source.problems + (f"{META} says id {meta_id!r}, folder says {source.repo_id!r}",),
                author=source.author,
            )
        return source
    return CardSource(
        name=source.name,
        readme=None,
        meta={},
        path=source.path,
        problems=source.problems
        + (f"{source.name!r} is not a valid repo name (Twitter handles joined with '-')",),
        author=source.author,
    )


# --- writing (used by the fetcher) -------------------------------------------


def dump_meta(meta: dict[str, Any]) -> bytes:
    """The canonical bytes of a ``meta.json`` (sorted keys, stable diffs)."""
    return (json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def write_entry(cards_dir: Path, name: str, *, readme: bytes | None, meta: dict[str, Any]) -> None:
    """Store one model: README first, ``meta.json`` last (it marks the entry complete)."""
    if not is_valid_name(name):
        raise SnapshotError(f"{name!r} is not a valid repo name; refusing to write it under {cards_dir}")
    folder = cards_dir / name
    if readme is not None:
        atomic_write(folder / README, readme)
    else:
        try:
            (folder / README).unlink()
        except FileNotFoundError:
            pass
    atomic_write(folder / META, dump_meta(meta))


def remove_entry(cards_dir: Path, name: str) -> None:
    """Delete one model's folder from the snapshot."""
    if not is_valid_name(name):
        raise SnapshotError(f"{name!r} is not a valid repo name; refusing to remove it from {cards_dir}")
    shutil.rmtree(cards_dir / name, ignore_errors=True)


def clean_temporaries(cards_dir: Path) -> int:
    """Remove temporary files an interrupted write left behind; return how many."""
    count = 0
    for tmp in cards_dir.glob("*/.*.tmp"):
        tmp.unlink(missing_ok=True)
        count += 1
    return count


def commit_date(paths: Iterable[Path | str]) -> str | None:
    """The date (``YYYY-MM-DD``) of the last commit that touched ``paths``, or ``None``.

    ``None`` unless every path is committed and unchanged in a git checkout
    (the nightly refresh commits the snapshot, so this is the day it was
    fetched), and in a shallow clone, whose one commit seems to touch
    everything. Kept off the clock so that the same commit builds the same pages.
    """
    resolved = [Path(p).resolve() for p in paths]
    if not resolved:
        return None
    cwd = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    names = [str(p) for p in resolved]

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT)

    try:
        if git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            return None
        dirty = git("status", "--porcelain", "--", *names)
        tracked = git("ls-files", "--error-unmatch", "--", *names)
        if dirty.returncode or dirty.stdout.strip() or tracked.returncode:
            return None
        log = git("log", "-1", "--format=%cs", "--", *names)
    except (OSError, subprocess.SubprocessError):
        return None
    day = log.stdout.strip()
    return day if _DAY_RE.fullmatch(day) else None


def data_date(bots: Sequence[Bot]) -> str | None:
    """The newest date the records know of (Hub last-modified, created, thumbnail), as ``YYYY-MM-DD``.

    Taken from the data rather than the clock, so the same cards build the same pages.
    """
    dates = [
        v[:10]
        for b in bots
        for v in (b.hub.last_modified, b.hub.created_at, b.thumbnail_date)
        if v and _DAY_RE.match(v)
    ]
    return max(dates) if dates else None


def snapshot_date(paths: Iterable[Path | str], *, setting: str | None = None) -> str | None:
    """When the snapshot was taken, without looking at the records: ``setting``, else :func:`commit_date`."""
    return setting or commit_date(paths)


@dataclass(frozen=True)
class Snapshot:
    """The card snapshot a run reads, opened once from its paths.

    Owns what the stages must agree on: the sources (:meth:`sources`), the
    author their repo ids belong to, the avatar cache (:attr:`avatars_dir`,
    :meth:`avatar`) and the snapshot's date (:meth:`date`).
    """

    paths: tuple[Path, ...]
    author: str = DEFAULT_AUTHOR
    #: ``GALLERY_SNAPSHOT_DATE``: when given, the date, whatever git or the data say.
    date_setting: str | None = None

    @classmethod
    def open(cls, paths: Iterable[Path | str] | None = None, *, settings: Settings | None = None) -> Snapshot:
        """The snapshot at ``paths`` (default ``settings.cards``); :class:`SnapshotError` if one does not exist."""
        settings = settings or Settings.from_env()
        found = tuple(Path(p) for p in (settings.cards if paths is None else paths))
        for path in found:
            if not path.exists():
                raise SnapshotError(f"{path}: no such file or folder (expected a cards/ snapshot or a NAME.md card)")
        return cls(paths=found, author=settings.author, date_setting=settings.snapshot_date)

    def sources(self) -> Iterator[CardSource]:
        """Every card, in a stable order (:func:`iter_sources`)."""
        return iter_sources(self.paths, author=self.author)

    @cached_property
    def avatars_dir(self) -> Path | None:
        """The first ``<path>/.avatars/`` folder of the snapshot's paths, if any exists."""
        return next((p / AVATARS_DIR for p in self.paths if (p / AVATARS_DIR).is_dir()), None)

    def avatar(self, url: str) -> Path | None:
        """The cached image of avatar ``url``, or ``None`` (it is never fetched here)."""
        return avatar_cache_path(self.avatars_dir, url) if self.avatars_dir else None

    def date(self, bots: Sequence[Bot] = ()) -> str | None:
        """The snapshot's date, one rule: the setting, else the last commit of the cards, else the newest date in ``bots``."""
        return snapshot_date(self.paths, setting=self.date_setting) or data_date(bots)


#: Suffixes an avatar is cached under, in the order they are looked for.
AVATAR_SUFFIXES = (".jpg", ".png")


def avatar_cache_path(avatars_dir: Path, url: str) -> Path | None:
    """The cached image for avatar ``url`` in ``avatars_dir`` (a snapshot's ``.avatars/``), or ``None``.

    The layout is ``avatars_dir/<sha256(url).hexdigest()[:16]>.jpg`` (or
    ``.png``); the avatar fetcher writes the same names via :func:`avatar_cache_stem`.
    """
    stem = avatar_cache_stem(url)
    for suffix in AVATAR_SUFFIXES:
        path = avatars_dir / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def avatar_cache_stem(url: str) -> str:
    """The file name (without suffix) an avatar URL is cached under."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
