"""Build caches: what a rebuild may reuse instead of redoing, keyed by content.

A rebuild of an unchanged snapshot should cost little more than MkDocs
itself (issue 14). The expensive per-card step is reading the card (ftfy,
YAML, Markdown, BeautifulSoup: milliseconds a card); its result depends on
nothing but the card's bytes, its metadata and the generator's code, so it
is cached under a key made of exactly those:

* everything the snapshot reader found for the card (:class:`CardSource`):
  its repo name and author, the folder it was read from, its README bytes,
  its ``meta.json`` (canonical JSON) and any problem with the files;
* :func:`code_version`: a hash of every source file of the ``generator``
  package (and its card templates), so any code change re-reads every card
  once rather than risk a stale record.

The cache lives in ``<docs>/.cache/`` (:data:`CACHE_DIR`): git-ignored,
skipped by MkDocs (it skips dot-folders) and removed by ``make clean``.
It is one pickle of ``key -> Bot`` written atomically; entries the last
build did not use are dropped, so it never outgrows the snapshot. A cache
that cannot be read (missing, truncated, from another Python) is ignored and
rebuilt: the output is the same with or without it, only slower.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import snapshot
from .models import Bot
from .snapshot import CardSource

log = logging.getLogger(__name__)

#: The cache folder inside a build's ``docs/`` (a dot-folder: MkDocs never copies it).
CACHE_DIR = ".cache"
#: The file of read cards inside :data:`CACHE_DIR`.
CARDS_FILE = "cards.pickle"
#: Refuse to load a cache file larger than this (a stray or corrupt file, not ours).
MAX_CACHE_BYTES = 1 << 30
_PACKAGE = Path(__file__).resolve().parent
_FORMAT = 1


@cache
def code_version() -> str:
    """A hash of the generator's source (every ``.py``, card template and page template).

    Any edit to the code that reads or normalises cards changes it, and so
    invalidates every cached record; hashing the whole package is cruder
    than naming the modules but cannot miss one a later change adds.
    """
    h = hashlib.sha256(f"{_FORMAT} {sys.version_info[:2]}".encode())
    for path in sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".md", ".j2")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def card_key(source: CardSource) -> str:
    """The cache key of one card: every field of its :class:`CardSource` and :func:`code_version`.

    Every field is hashed, by name, so a field a later change adds to
    ``CardSource`` is part of the key without anyone remembering to add it.
    """
    h = hashlib.sha256(code_version().encode())
    for f in dataclasses.fields(source):
        value = getattr(source, f.name)
        if isinstance(value, bytes):
            data = b"b" + value
        elif isinstance(value, dict):
            data = b"j" + json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr).encode("utf-8", "surrogatepass")
        else:
            data = b"r" + repr(value).encode("utf-8", "surrogatepass")
        h.update(f"{f.name}:{len(data)}:".encode() + data)
    return h.hexdigest()


def _read_cache(path: Path, name: str, consequence: str) -> dict:
    """The pickled dict at ``path``, or ``{}`` when there is none, it is over
    :data:`MAX_CACHE_BYTES` or it cannot be read (warned as ``name``, then ``consequence``):
    any damage means start again, it is only a cache."""
    try:
        if path.stat().st_size <= MAX_CACHE_BYTES:
            with path.open("rb") as f:
                data = pickle.load(f)
            return data if isinstance(data, dict) else {}
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - only a cache
        log.warning("%s %s unreadable (%s); %s", name, path, type(exc).__name__, consequence)
    return {}


@dataclass
class CardCache:
    """Read cards by :func:`card_key`; counts what it served and what had to be read anew."""

    path: Path | None
    entries: dict[str, Bot] = field(default_factory=dict)
    used: dict[str, Bot] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    @classmethod
    def load(cls, docs_dir: Path | None) -> CardCache:
        """The cache of ``docs_dir`` (empty when there is none or it is unreadable); ``None``: no cache."""
        if docs_dir is None:
            return cls(path=None)
        path = docs_dir / CACHE_DIR / CARDS_FILE
        data = _read_cache(path, "build cache", "reading every card")
        entries: dict[str, Bot] = {}
        if data.get("format") == _FORMAT and isinstance(data.get("bots"), dict):
            entries = {k: v for k, v in data["bots"].items() if isinstance(k, str) and isinstance(v, Bot)}
        return cls(path=path, entries=entries)

    def get(self, key: str) -> Bot | None:
        bot = self.entries.get(key)
        if bot is None:
            self.misses += 1
        else:
            self.hits += 1
            self.used[key] = bot
        return bot

    def put(self, key: str, bot: Bot) -> None:
        self.used[key] = bot

    def save(self) -> None:
        """Write the entries this build used (and only those); nothing without a path, and nothing
        when the file already holds exactly those (every card came from it and none left)."""
        if self.path is None:
            return
        if not self.misses and self.used.keys() == self.entries.keys() and self.path.is_file():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps({"format": _FORMAT, "bots": self.used}, protocol=pickle.HIGHEST_PROTOCOL)
        snapshot.atomic_write(self.path, data)


# --- rendered pages ------------------------------------------------------------------------

#: The file of rendered pages inside :data:`CACHE_DIR`.
PAGES_FILE = "pages.pickle"
#: The libraries whose output is part of a rendered page (their versions are part of every key).
_RENDER_LIBRARIES = ("jinja2", "markupsafe", "pyyaml")


@cache
def render_version() -> str:
    """:func:`code_version` and the versions of the libraries that write the pages."""
    from importlib import metadata

    versions = []
    for name in _RENDER_LIBRARIES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    return hashlib.sha256(f"{code_version()} {' '.join(versions)}".encode()).hexdigest()


def digest(value: object) -> str:
    """A hash of ``value`` (records, image maps, dates: anything picklable) for a render key.

    Pickle writes every field of every object, so two inputs that differ in any way get different
    digests; two equal inputs built differently may pickle differently, which only costs a render.
    """
    return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes, or ``None`` when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class RenderCache:
    """Rendered pages by a key of everything their renderer was given (:meth:`key`).

    A rebuild with nothing changed renders no page: each bot page, account page and the
    site-wide files (gallery, data files, statistics, ...) come from here when their inputs
    are the same, and are then compared with the files in ``docs/`` as any page is (so a
    hand-edited or deleted page is written again). ``hits`` and ``misses`` count pages served
    and rendered. Like :class:`CardCache`: entries this build did not use are dropped, a file
    that cannot be read is ignored, and the output is the same with or without it.
    """

    path: Path | None
    entries: dict[str, object] = field(default_factory=dict)
    used: dict[str, object] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0

    @classmethod
    def load(cls, docs_dir: Path | None) -> RenderCache:
        if docs_dir is None:
            return cls(path=None)
        path = docs_dir / CACHE_DIR / PAGES_FILE
        data = _read_cache(path, "page cache", "rendering every page")
        entries: dict[str, object] = {}
        if data.get("version") == render_version() and isinstance(data.get("pages"), dict):
            entries = data["pages"]
        return cls(path=path, entries=entries)

    @staticmethod
    def key(kind: str, *inputs: object) -> str:
        """The key of a page of ``kind`` rendered from ``inputs`` (each a :func:`digest` or a value to digest)."""
        return digest((render_version(), kind, inputs))

    def page(self, key: str, render: Callable[[], str]) -> str:
        """The page of ``key``: the cached text, else ``render()`` (then cached)."""
        text = self.entries.get(key)
        if isinstance(text, str):
            self.hits += 1
        else:
            self.misses += 1
            text = render()
        self.used[key] = text
        return text

    def get(self, key: str, *, check: Callable[[object], bool] | None = None) -> object | None:
        """The entry of ``key`` (counted as a hit) if there is one and ``check`` passes it, else
        ``None`` (not counted: :meth:`put` counts the miss)."""
        value = self.entries.get(key)
        if value is None or (check is not None and not check(value)):
            return None
        self.hits += 1
        self.used[key] = value
        return value

    def put(self, key: str, value: object) -> None:
        """Keep ``value`` (something just rendered) under ``key``; counts as a miss."""
        self.misses += 1
        self.used[key] = value

    def save(self) -> None:
        """Write what this build used, unless the file already holds exactly that."""
        if self.path is None:
            return
        if not self.misses and self.used.keys() == self.entries.keys() and self.path.is_file():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps({"version": render_version(), "pages": self.used}, protocol=pickle.HIGHEST_PROTOCOL)
        snapshot.atomic_write(self.path, data)
