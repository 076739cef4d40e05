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
``huggingtweets/NAME`` with no metadata.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import config
from .errors import SnapshotError

AUTHOR = "huggingtweets"
README = "README.md"
META = "meta.json"

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

    @property
    def repo_id(self) -> str:
        return f"{AUTHOR}/{self.name}"


def _read_entry(folder: Path) -> CardSource:
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
        name=folder.name, readme=readme, meta=meta, path=folder, problems=tuple(problems)
    )


def _is_entry(folder: Path) -> bool:
    return (folder / README).is_file() or (folder / META).is_file()


def iter_sources(paths: Iterable[Path | str]) -> Iterator[CardSource]:
    """Yield every card found under ``paths``, in a stable (sorted) order.

    Each path may be a snapshot folder (one sub-folder per model), a single
    model folder, a folder of loose ``NAME.md`` files, or one loose file.
    Raises :class:`SnapshotError` for a path that does not exist; entries whose
    name is not a valid repo name are yielded with a problem and no content.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SnapshotError(f"{path}: no such file or folder (expected a cards/ snapshot or a NAME.md card)")
        if path.is_file():
            yield _loose(path)
        elif _is_entry(path) and not any(p.is_dir() and _is_entry(p) for p in path.iterdir()):
            yield _checked(_read_entry(path))
        else:
            for child in sorted(path.iterdir()):
                if child.name.startswith("."):
                    continue
                if child.is_dir() and _is_entry(child):
                    yield _checked(_read_entry(child))
                elif child.is_file() and child.suffix == ".md":
                    yield _loose(child)


def _loose(path: Path) -> CardSource:
    name = path.name[:-3] if path.name.endswith(".md") else path.stem
    try:
        data: bytes | None = path.read_bytes()
        problems: tuple[str, ...] = ()
    except OSError as exc:
        data, problems = None, (f"could not be read ({exc.strerror})",)
    return _checked(CardSource(name=name, readme=data, meta={}, path=path, problems=problems))


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
            )
        return source
    return CardSource(
        name=source.name,
        readme=None,
        meta={},
        path=source.path,
        problems=source.problems
        + (f"{source.name!r} is not a valid repo name (Twitter handles joined with '-')",),
    )


# --- writing (used by the fetcher) -------------------------------------------


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


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


def snapshot_date(paths: Iterable[Path | str]) -> str | None:
    """When the snapshot was taken, as ``YYYY-MM-DD``, or ``None`` if nothing says.

    ``GALLERY_SNAPSHOT_DATE`` wins; otherwise, when every path is committed
    and unchanged in a git checkout, the date of the last commit that touched
    them (the nightly refresh commits the snapshot, so this is the day it was
    fetched). The cards themselves cannot tell: their dates are the models'.
    Kept off the clock so that the same commit builds the same pages.
    """
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", config.SNAPSHOT_DATE):
        return config.SNAPSHOT_DATE
    resolved = [Path(p).resolve() for p in paths]
    if not resolved:
        return None
    cwd = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    names = [str(p) for p in resolved]
    try:
        shallow = subprocess.run(
            ["git", "rev-parse", "--is-shallow-repository"], cwd=cwd, capture_output=True, text=True, timeout=30
        )
        if shallow.stdout.strip() == "true":  # its oldest commit seems to touch every file
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *names], cwd=cwd, capture_output=True, text=True, timeout=30
        )
        tracked = subprocess.run(
            ["git", "ls-files", "--error-unmatch", "--", *names], cwd=cwd, capture_output=True, text=True, timeout=30
        )
        if dirty.returncode or dirty.stdout.strip() or tracked.returncode:
            return None
        log = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", *names], cwd=cwd, capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    day = log.stdout.strip()
    return day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else None


#: Suffixes an avatar is cached under, in the order they are looked for.
AVATAR_SUFFIXES = (".jpg", ".png")


def avatar_cache_path(avatars_dir: Path, url: str) -> Path | None:
    """The cached image for avatar ``url`` in ``avatars_dir``, or ``None`` if there is none.

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
