"""Output paths under ``docs/``: the :class:`Writer` that refuses two owners of one path.

Every output path comes from a validated repo name (:func:`bot_path`) or
handle (:func:`account_path`); a second write to the same path (case folded,
as on macOS and Windows file systems) raises
:class:`~generator.errors.OutputCollisionError` naming both owners.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .. import snapshot
from ..errors import BuildError, OutputCollisionError

#: A Twitter handle, the only thing besides a repo name that becomes a path.
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
#: What the generator owns inside ``docs/`` (also listed in .gitignore); the
#: image folders under ``img/`` are caches and are pruned, not wiped.
GENERATED = (
    "index.md", "gallery.json", "gallery-extras.json", "all", "bots", "accounts", "statistics",
    "bots.json", "bots.csv", "feed.json",
)  # fmt: skip


class Writer:
    """Writes files under ``docs_dir``, refusing two writes to one path.

    Pelican's habit: a silent overwrite hides a bug (two bots whose names
    differ only in case would share a URL on most file systems), so the
    second write raises :class:`OutputCollisionError` naming both owners.
    """

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self.owners: dict[str, str] = {}
        self.claimed: list[str] = []
        self.unchanged = 0  # writes skipped because the file already held those bytes
        self.written = 0  # files actually (re)written
        #: While :meth:`recording`: every write (``rel``, bytes, owner) and every outside claim
        #: (``rel``, ``None``, owner), in order, so the same calls can be replayed (:meth:`replay`).
        self._record: list[tuple[str, bytes | None, str]] | None = None
        self._folders: set[Path] = set()  # folders made (or found) by a claim

    def claim(self, rel: str, *, owner: str) -> Path:
        """Reserve ``rel`` for ``owner`` (who writes it, e.g. a chart) and return its path."""
        if self._record is not None:
            self._record.append((rel, None, owner))
        return self._claim(rel, owner=owner)

    def _claim(self, rel: str, *, owner: str) -> Path:
        key = rel.casefold()
        if key in self.owners:
            raise OutputCollisionError(
                f"{owner} and {self.owners[key]} would both write docs/{rel}; "
                "repo names and handles must differ in more than letter case"
            )
        self.owners[key] = owner
        self.claimed.append(rel)
        path = self.docs_dir / rel
        if path.parent not in self._folders:  # thousands of pages share a few folders
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        return path

    def write(self, rel: str, data: str | bytes, *, owner: str) -> Path:
        """Write ``data`` to ``rel``, unless the file already holds exactly these bytes.

        An unchanged page keeps its file (and mtime): a rebuild of the same
        cards writes nothing, and ``mkdocs serve`` reloads only what changed.
        """
        path = self._claim(rel, owner=owner)
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self._record is not None:
            self._record.append((rel, data, owner))
        try:
            same = path.stat().st_size == len(data) and path.read_bytes() == data
        except OSError:
            same = False
        if same:
            self.unchanged += 1
        else:
            path.write_bytes(data)
            self.written += 1
        return path

    @contextmanager
    def recording(self) -> Iterator[list[tuple[str, bytes | None, str]]]:
        """Within this block, every :meth:`write` and :meth:`claim` is also appended to the list it gives."""
        calls: list[tuple[str, bytes | None, str]] = []
        self._record = calls
        try:
            yield calls
        finally:
            self._record = None

    def replay(self, calls: Sequence[tuple[str, bytes | None, str]]) -> None:
        """Make again the writes and claims :meth:`recording` listed (a claimed file is its owner's to check)."""
        for rel, data, owner in calls:
            if data is None:
                self.claim(rel, owner=owner)
            else:
                self.write(rel, data, owner=owner)

    def prune(self) -> list[Path]:
        """Delete every generated file under ``docs_dir`` (see :data:`GENERATED`) this writer did not claim."""
        claimed = {posixpath.normpath(rel) for rel in self.claimed}
        removed = []
        for rel in GENERATED:
            root = self.docs_dir / rel
            if root.is_file():
                found = [rel]
            else:  # os.walk and strings: ~10,000 pages at 5,000 bots, Path objects cost 0.5 s
                found = [
                    posixpath.join(rel, os.path.relpath(folder, root).replace(os.sep, "/"), name)
                    for folder, _, names in os.walk(root)
                    for name in names
                ]
            for item in sorted(posixpath.normpath(f) for f in found):
                path = self.docs_dir / item
                if item not in claimed and path.is_file():
                    path.unlink()
                    removed.append(path)
        return removed


def bot_path(name: str) -> str:
    """``bots/<name>.md`` (URL ``/bots/<name>/``) for a valid repo name, else :class:`BuildError`."""
    if not snapshot.is_valid_name(name):
        raise BuildError(f"{name!r} is not a valid repo name; refusing to make a page path of it")
    return f"bots/{name}.md"


def account_path(handle: str) -> str:
    """``accounts/<handle>.md`` (URL ``/accounts/<handle>/``) for a valid handle."""
    if not HANDLE_RE.fullmatch(handle):
        raise BuildError(f"{handle!r} is not a valid Twitter handle; refusing to make a page path of it")
    return f"accounts/{handle}.md"


def clear_generated(docs_dir: Path) -> None:
    """Remove the pages and data files a previous build wrote (never hand-written files)."""
    for rel in GENERATED:
        path = docs_dir / rel
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
