"""Settings: every default in one place, one typed object built once and passed in.

The command line builds a :class:`Settings` once, from the environment
(:data:`ENVIRONMENT`: ``GALLERY_CARDS``, ``GALLERY_SITE``, ``GALLERY_AUTHOR``,
``GALLERY_FETCH_WORKERS``, ``GALLERY_FETCH_MINUTES``, ``GALLERY_SITE_URL``,
``GALLERY_SNAPSHOT_DATE``, ``GALLERY_PROJECT``) and then its flags, and hands it to the stage it runs.
Nothing reads the environment at import. A bad value fails at once with one
line naming the variable (or flag) and what is allowed:

>>> Settings.from_env({"GALLERY_FETCH_WORKERS": "four"})
Traceback (most recent call last):
...
generator.errors.SettingsError: GALLERY_FETCH_WORKERS='four' is not allowed: a whole number from 1 to 32

Library callers (tests, benchmarks) may pass no settings; the stages then use
``Settings.from_env()`` of the moment.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import SettingsError

#: The Hub author whose models make the gallery.
DEFAULT_AUTHOR = "huggingtweets"
#: Parallel README downloads; small, to stay inside the Hub's anonymous rate limit.
DEFAULT_FETCH_WORKERS = 4
#: More parallel downloads than this only queue on the request budget.
MAX_FETCH_WORKERS = 32
#: More drawing processes than this is a typo, not a machine.
MAX_JOBS = 256
#: Largest README we accept from the Hub, in bytes (real cards are 3-5 KB).
MAX_README_BYTES = 256 * 1024
#: Deadline of a whole fetch run, in minutes: then it stops, keeps every whole file
#: it wrote and exits 4 (the nightly job's own limit is 90 minutes).
DEFAULT_FETCH_MINUTES = 60.0
#: A fetch deadline longer than this (a week) is a typo.
MAX_FETCH_MINUTES = 7 * 24 * 60.0
#: A fetch removes at most this many models from the snapshot in one run, or this
#: share of it if that is more; a bigger drop needs ``--allow-mass-removal``.
MASS_REMOVAL_MODELS = 10
MASS_REMOVAL_SHARE = 0.05
#: A Hub user or organisation name.
AUTHOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(raw: str) -> str:
    """``raw`` if it is a real calendar day written ``YYYY-MM-DD``, else :class:`ValueError`.

    >>> parse_day("2021-10-31")
    '2021-10-31'
    """
    if not _DAY_RE.fullmatch(raw):
        raise ValueError(raw)
    date.fromisoformat(raw)  # 2021-13-45 matches the pattern but is no day
    return raw


def parse_site_url(raw: str) -> str:
    """An absolute ``http(s)`` URL with exactly one trailing slash (``""`` stays ``""``).

    >>> parse_site_url("https://example.org/gallery"), parse_site_url("")
    ('https://example.org/gallery/', '')
    """
    if not raw:
        return ""
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", raw):
        raise ValueError(raw)
    return raw.rstrip("/") + "/"


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip())
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


def parse_minutes(raw: str) -> float:
    """A number of minutes above 0 and at most :data:`MAX_FETCH_MINUTES`.

    >>> parse_minutes("90"), parse_minutes("0.5")
    (90.0, 0.5)
    """
    value = float(raw.strip())
    if not 0 < value <= MAX_FETCH_MINUTES:  # also refuses nan
        raise ValueError(raw)
    return value


def _author(raw: str) -> str:
    if not AUTHOR_RE.fullmatch(raw):
        raise ValueError(raw)
    return raw


def _path(raw: str) -> Path:
    if not raw.strip():
        raise ValueError(raw)
    return Path(raw)


@dataclass(frozen=True)
class EnvVar:
    """One environment variable: the setting it sets, how it is read, what is allowed."""

    name: str
    setting: str
    parse: Callable[[str], Any]
    allowed: str


#: Every environment variable the gallery reads (the README documents each).
ENVIRONMENT: tuple[EnvVar, ...] = (
    EnvVar("GALLERY_CARDS", "cards", lambda raw: (_path(raw),), "a folder path"),
    EnvVar("GALLERY_SITE", "site_dir", _path, "a folder path"),
    EnvVar("GALLERY_AUTHOR", "author", _author, "a Hub user or organisation name (letters, digits, '.', '_', '-')"),
    EnvVar(
        "GALLERY_FETCH_WORKERS", "fetch_workers", _whole(1, MAX_FETCH_WORKERS),
        f"a whole number from 1 to {MAX_FETCH_WORKERS}",
    ),  # fmt: skip
    EnvVar(
        "GALLERY_FETCH_MINUTES", "fetch_minutes", parse_minutes,
        f"a number of minutes above 0, at most {MAX_FETCH_MINUTES:g}",
    ),  # fmt: skip
    EnvVar("GALLERY_SITE_URL", "site_url", parse_site_url, "an absolute http(s) URL, e.g. https://example.org/gallery/"),
    EnvVar("GALLERY_SNAPSHOT_DATE", "snapshot_date", parse_day, "a real date written YYYY-MM-DD, e.g. 2021-10-31"),
    EnvVar("GALLERY_PROJECT", "project_dir", _path, "the folder holding mkdocs.yml and docs/"),
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What a run is told: where things are, whose models, how much in parallel.

    Build it with :meth:`from_env` (environment, then explicit overrides);
    :meth:`replace` makes a changed copy, validated again.
    """

    #: Snapshot folders or loose ``NAME.md`` cards.
    cards: tuple[Path, ...] = (Path("cards"),)
    #: Where ``build`` writes the finished site.
    site_dir: Path = Path("site")
    #: The Hub author: fetched from, and the owner every repo id is read as.
    author: str = DEFAULT_AUTHOR
    fetch_workers: int = DEFAULT_FETCH_WORKERS
    #: Deadline of a whole fetch run (``fetch --minutes``).
    fetch_minutes: float = DEFAULT_FETCH_MINUTES
    #: Public URL of the deployed site (canonical links, Open Graph, feed), ``""`` if unknown.
    site_url: str = ""
    #: The date the pages give as the snapshot's; ``None``: worked out (see :class:`generator.snapshot.Snapshot`).
    snapshot_date: str | None = None
    #: The folder holding ``mkdocs.yml`` and the hand-written ``docs/`` (default: the current folder).
    project_dir: Path = Path(".")
    #: Processes for normalising and drawing; ``None``: all cores.
    jobs: int | None = None
    #: Per-card problem lines in a build, not only the summary.
    verbose: bool = False
    #: Which environment variables set which fields (for messages: name the variable, not the field).
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cards", tuple(Path(p) for p in self.cards))
        checks: list[tuple[str, Any, Callable[[Any], bool], str]] = [
            ("author", self.author, lambda v: isinstance(v, str) and bool(AUTHOR_RE.fullmatch(v)),
             "a Hub user or organisation name"),
            ("fetch_workers", self.fetch_workers, lambda v: isinstance(v, int) and 1 <= v <= MAX_FETCH_WORKERS,
             f"a whole number from 1 to {MAX_FETCH_WORKERS}"),
            ("fetch_minutes", self.fetch_minutes,
             lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= MAX_FETCH_MINUTES,
             f"a number of minutes above 0, at most {MAX_FETCH_MINUTES:g}"),
            ("jobs", self.jobs, lambda v: v is None or (isinstance(v, int) and 1 <= v <= MAX_JOBS),
             f"a whole number from 1 to {MAX_JOBS}"),
            ("site_url", self.site_url, lambda v: v == "" or v == _or_none(parse_site_url, v),
             "an absolute http(s) URL ending in '/'"),
            ("snapshot_date", self.snapshot_date, lambda v: v is None or _or_none(parse_day, v) == v,
             "a date written YYYY-MM-DD"),
            ("cards", self.cards, bool, "at least one path"),
        ]  # fmt: skip
        for name, value, ok, allowed in checks:
            if not ok(value):
                where = self.sources.get(name, f"setting {name}")
                raise SettingsError(f"{where}={value!r} is not allowed: {allowed}")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, flags: Mapping[str, str] | None = None, **overrides: Any
    ) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), then ``overrides`` (``None`` values skipped).

        ``flags`` names the command-line flag each override came from, for
        messages. Raises :class:`~generator.errors.SettingsError` naming the
        first bad variable or flag.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for var in ENVIRONMENT:
            raw = environ.get(var.name)
            if raw is None or (raw == "" and var.setting in ("snapshot_date", "site_url")):
                continue  # unset (or set empty: "no date given")
            try:
                values[var.setting] = var.parse(raw)
            except ValueError:
                raise SettingsError(f"{var.name}={raw!r} is not allowed: {var.allowed}") from None
            sources[var.setting] = var.name
        for key, value in overrides.items():
            if value is not None:
                values[key] = value
                sources.pop(key, None)
                if flags and key in flags:
                    sources[key] = flags[key]
        return cls(**values, sources=sources)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def mkdocs_yml(self) -> Path:
        """The site configuration MkDocs (or Zensical) builds from."""
        return self.project_dir / "mkdocs.yml"

    @property
    def docs_dir(self) -> Path:
        """The project's ``docs/``: hand-written pages, and where ``make site`` writes the generated ones."""
        return self.project_dir / "docs"


def _or_none(parse: Callable[[str], str], value: Any) -> str | None:
    try:
        return parse(value) if isinstance(value, str) else None
    except ValueError:
        return None
