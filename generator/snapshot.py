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
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import validate
from .config import DEFAULT_AUTHOR, MAX_README_BYTES, Settings
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
    #: Where it was found, relative to the snapshot (``<name>`` or ``<name>.md``): the same on every machine.
    rel: str = ""

    @property
    def repo_id(self) -> str:
        return f"{self.author}/{self.name}"


#: Largest cached avatar image used, in bytes (the fetcher writes 128 px JPEGs of a few KB).
MAX_AVATAR_BYTES = 1024 * 1024
#: Largest ``meta.json`` read, in bytes (the Hub's are under 1 KB).
MAX_META_BYTES = 64 * 1024
#: Largest ``README.md`` read, in bytes: the fetcher's own cap.
MAX_README_READ = MAX_README_BYTES
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)


class _Refused(Exception):
    """A snapshot file the reader will not read; the message says why (one line)."""


def _inside(path: Path, root: Path, *, real_parent: Path | None = None) -> bool:
    """True when ``path``, with every link followed, is ``root`` or lies under it."""
    real = _real(path, real_parent)
    return real is not None and real.is_relative_to(root)


def _real(path: Path, real_parent: Path | None = None) -> Path | None:
    """``path`` with every link followed (``None``: a link loop, or it cannot be looked at).

    ``real_parent``: ``path.parent`` with every link followed, when the caller knows it; then a
    ``path`` that is no link is that folder and its name, found with one ``lstat`` instead of one
    per folder of the path (a snapshot of 5,000 cards has 15,000 paths to look at).
    """
    try:
        if real_parent is not None and not stat.S_ISLNK(os.lstat(path).st_mode):
            return real_parent / path.name
        return path.resolve()
    except (OSError, RuntimeError):  # a link loop
        return None


def read_bounded(path: Path, *, root: Path, limit: int, real_parent: Path | None = None) -> bytes:
    """The bytes of ``path``, read only if it is a regular file inside ``root`` of at most ``limit`` bytes.

    A link is followed only while it stays inside the snapshot; a FIFO, a
    device or a socket is never read (it is opened non-blocking and checked
    with ``fstat`` before any read, so a FIFO cannot hang the build); at most
    ``limit + 1`` bytes are ever read, whatever the file claims. Raises
    :class:`_Refused` with the reason otherwise. ``real_parent``: see :func:`_real`.
    """
    real = _real(path, real_parent)
    if real is None or not real.is_relative_to(root):
        raise _Refused("is a link out of the snapshot; not read")
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _Refused(f"could not be read ({exc.strerror})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("is not a regular file; not read")
        if info.st_size > limit:
            raise _Refused(f"is {info.st_size:,} bytes, over the {limit:,}-byte limit; not read")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _Refused(f"is over the {limit:,}-byte limit; not read")
        return b"".join(chunks)
    except OSError as exc:
        raise _Refused(f"could not be read ({exc.strerror})") from exc
    finally:
        os.close(fd)


def _read_entry(folder: Path, root: Path, author: str, real: Path | None = None) -> CardSource:
    """``real``: ``folder`` with every link followed, when the caller knows it."""
    real = real or _real(folder)
    problems: list[str] = []
    meta: dict[str, Any] = {}
    meta_path = folder / META
    if os.path.lexists(meta_path):
        try:
            loaded = validate.load_json(read_bounded(meta_path, root=root, limit=MAX_META_BYTES, real_parent=real).decode("utf-8"))
            if isinstance(loaded, dict):
                meta = loaded
            else:
                problems.append(f"{META} is not a JSON object")
        except _Refused as exc:
            problems.append(f"{META} {exc}")
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            problems.append(f"{META} is not valid JSON ({validate.quote(str(exc))[1:-1]})")
    readme: bytes | None = None
    readme_path = folder / README
    if os.path.lexists(readme_path):
        try:
            readme = read_bounded(readme_path, root=root, limit=MAX_README_READ, real_parent=real)
        except _Refused as exc:
            problems.append(f"{README} {exc}")
    return CardSource(
        name=folder.name, readme=readme, meta=meta, path=folder, problems=tuple(problems), author=author,
        rel=folder.name,
    )  # fmt: skip


def _is_entry(folder: Path) -> bool:
    # lexists, not is_file: a README that is a FIFO or a dangling link is an entry that reports it.
    return os.path.lexists(folder / README) or os.path.lexists(folder / META)


def _is_model_folder(path: Path) -> bool:
    """A single model's folder: its README or meta.json, no model folders inside, and no loose cards
    beside its README (a folder of loose cards may hold a README.md of its own)."""
    if not _is_entry(path):
        return False
    children = list(path.iterdir())
    if any(p.is_dir() and _is_entry(p) for p in children):
        return False
    if (path / META).is_file():
        return True
    return not any(p.name != README and p.suffix == ".md" and p.is_file() for p in children)


def iter_sources(paths: Iterable[Path | str], *, author: str = DEFAULT_AUTHOR) -> Iterator[CardSource]:
    """Yield every card found under ``paths``, in a stable (sorted) order.

    Each path may be a snapshot folder (one sub-folder per model), a single
    model folder, a folder of loose ``NAME.md`` files, or one loose file.
    Raises :class:`SnapshotError` for a path that does not exist; entries whose
    name is not a valid repo name are yielded with a problem and no content.
    Repo ids are ``<author>/<name>``. Nothing is read through a link that
    leads out of the path, nor from anything but a regular file (see
    :func:`read_bounded`).
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SnapshotError(f"{path}: no such file or folder (expected a cards/ snapshot or a NAME.md card)")
        if not path.is_dir():  # a loose card (or a FIFO or device, which it refuses to read)
            yield _loose(path, root=path.resolve().parent, author=author)
        elif _is_model_folder(path):
            yield _checked(_read_entry(path, path.resolve(), author))
        else:
            root = path.resolve()
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                real = _real(child, root)  # root is path, every link followed
                if real is None or not real.is_relative_to(root):
                    if child.is_dir() or child.suffix == ".md":
                        yield _outside(child, author)
                    continue
                if child.is_dir() and _is_entry(child):
                    yield _checked(_read_entry(child, root, author, real))
                elif child.suffix == ".md" and not child.is_dir():
                    yield _loose(child, root=root, author=author)


def _outside(child: Path, author: str) -> CardSource:
    name = child.name[:-3] if child.name.endswith(".md") and not child.is_dir() else child.name
    return _checked(
        CardSource(
            name=name, readme=None, meta={}, path=child, rel=child.name, author=author,
            problems=(f"{child.name} is a link out of the snapshot; not read",),
        )
    )  # fmt: skip


def _loose(path: Path, *, root: Path, author: str) -> CardSource:
    name = path.name[:-3] if path.name.endswith(".md") else path.stem
    try:
        data: bytes | None = read_bounded(path, root=root, limit=MAX_README_READ)
        problems: tuple[str, ...] = ()
    except _Refused as exc:
        data, problems = None, (f"{path.name} {exc}",)
    return _checked(
        CardSource(name=name, readme=data, meta={}, path=path, problems=problems, author=author, rel=path.name)
    )


def _checked(source: CardSource) -> CardSource:
    if is_valid_name(source.name):
        meta_id = source.meta.get("id")
        if isinstance(meta_id, str) and meta_id != source.repo_id:
            return replace(
                source,
                problems=source.problems
                + (f"{META} says id {validate.quote(meta_id)}, folder says {source.repo_id!r}",),
            )
        return source
    return replace(
        source,
        readme=None,
        meta={},
        problems=source.problems
        + (f"{validate.quote(source.name)} is not a valid repo name (Twitter handles joined with '-')",),
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
    Like a card, a cached image counts only if it is a regular file of at most
    :data:`MAX_AVATAR_BYTES` that does not link out of ``avatars_dir`` (it is
    copied into the published site).
    """
    stem = avatar_cache_stem(url)
    for suffix in AVATAR_SUFFIXES:
        path = avatars_dir / f"{stem}{suffix}"
        try:
            if path.is_file() and path.stat().st_size <= MAX_AVATAR_BYTES and _inside(path, avatars_dir.resolve()):
                return path
        except OSError:
            continue
    return None


def avatar_cache_stem(url: str) -> str:
    """The file name (without suffix) an avatar URL is cached under."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
