"""Each bot's downloads and likes, night by night: ``cards/.history/counts.jsonl``.

The Hub tells only today's figures (downloads over the last 30 days, likes),
so the nightly fetch appends them to the snapshot once per UTC day
(:func:`record`, called by fetch after a run) and the build reads them back
(:func:`load`) for the gallery's "Rising" sort and the bot page's sparkline.
It is a file in the snapshot, committed with the cards, never recovered from
git history at build time.

One JSON object a line, oldest first. The first line gives every bot; each
later line only what changed since the line before::

    {"date": "2026-11-30", "set": {"dril": [12, 3], "annhertzz": [0, null]}}
    {"date": "2026-12-01", "set": {"dril": [14, 3]}, "gone": ["annhertzz"]}

``[downloads, likes]``, ``null`` where the Hub did not say. At most
:data:`MAX_SNAPSHOTS` lines are kept: the oldest are folded into the first,
so the file stays bounded however long the nightly runs. A file that cannot
be read whole is left as it is (and reported), never rewritten.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .files import atomic_write
from .snapshot import META, is_valid_name

log = logging.getLogger(__name__)

HISTORY_DIR = ".history"
HISTORY_FILE = "counts.jsonl"
#: Nightly snapshots kept in the file (the oldest are folded into the first line).
MAX_SNAPSHOTS = 120
#: A line longer than this is refused: ~40 bytes a bot, so room for 100,000 bots.
MAX_LINE_BYTES = 4_000_000
#: "Rising" is the gain in downloads over this many nightly snapshots.
RISING_NIGHTS = 7
#: Nights drawn by the bot page's downloads sparkline.
SPARK_NIGHTS = 30
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Counts = tuple[int | None, int | None]  # (downloads, likes)


class HistoryError(ValueError):
    """The history file cannot be read: names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Night:
    """Every bot's counts as of one nightly snapshot."""

    date: str
    counts: Mapping[str, Counts]


@dataclass(frozen=True)
class Trend:
    """One bot's recent nights: downloads per night (``None`` where unknown or absent), and its rise."""

    dates: tuple[str, ...]
    downloads: tuple[int | None, ...]
    rising: int | None


def path_in(cards_dir: Path) -> Path:
    return cards_dir / HISTORY_DIR / HISTORY_FILE


def _count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"a count must be a non-negative integer or null, not {value!r}")
    return value


def _parse_line(raw: bytes, *, where: str) -> tuple[str, dict[str, Counts], list[str]]:
    if len(raw) > MAX_LINE_BYTES:
        raise HistoryError(f"{where}: line longer than {MAX_LINE_BYTES:,} bytes")
    try:
        obj = json.loads(raw)
        if not isinstance(obj, dict) or set(obj) - {"date", "set", "gone"}:
            raise ValueError("not an object with date, set and gone")
        day = obj.get("date")
        if not isinstance(day, str) or not _DATE_RE.match(day):
            raise ValueError(f"date {day!r} is not YYYY-MM-DD")
        date.fromisoformat(day)
        sets = obj.get("set", {})
        gone = obj.get("gone", [])
        if not isinstance(sets, dict) or not isinstance(gone, list):
            raise ValueError("set must be an object and gone a list")
        out: dict[str, Counts] = {}
        for name, pair in sets.items():
            if not is_valid_name(name):
                raise ValueError(f"{name!r} is not a valid repo name")
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"{name}: expected [downloads, likes], not {pair!r}")
            out[name] = (_count(pair[0]), _count(pair[1]))
        for name in gone:
            if not isinstance(name, str) or not is_valid_name(name):
                raise ValueError(f"gone: {name!r} is not a valid repo name")
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError is a ValueError
        raise HistoryError(f"{where}: {exc}") from None
    return day, out, list(gone)


def _lines(path: Path) -> Iterable[tuple[str, dict[str, Counts], list[str]]]:
    """The parsed lines of ``path``; :class:`HistoryError` on the first bad one, or dates out of order."""
    previous = ""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            day, sets, gone = _parse_line(raw, where=f"{path} line {number}")
            if day <= previous:
                raise HistoryError(f"{path} line {number}: date {day} is not after {previous}")
            previous = day
            yield day, sets, gone


def _apply(state: dict[str, Counts], sets: Mapping[str, Counts], gone: Iterable[str]) -> None:
    for name in gone:
        state.pop(name, None)
    state.update(sets)


def nights(cards_dir: Path, *, keep: int = MAX_SNAPSHOTS) -> list[Night]:
    """The last ``keep`` nights of ``cards_dir``'s history, oldest first ([] without a file).

    Raises :class:`HistoryError` if the file cannot be read whole.
    """
    path = path_in(cards_dir)
    if not path.is_file():
        return []
    state: dict[str, Counts] = {}
    out: deque[Night] = deque(maxlen=max(1, keep))
    for day, sets, gone in _lines(path):
        _apply(state, sets, gone)
        out.append(Night(day, dict(state)))
    return list(out)


def _encode(day: str, sets: Mapping[str, Counts], gone: Iterable[str] = ()) -> bytes:
    obj: dict[str, object] = {"date": day, "set": {k: list(v) for k, v in sorted(sets.items())}}
    gone = sorted(gone)
    if gone:
        obj["gone"] = gone
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode("ascii") + b"\n"


def _delta(before: Mapping[str, Counts], after: Mapping[str, Counts]) -> tuple[dict[str, Counts], list[str]]:
    sets = {k: v for k, v in after.items() if before.get(k, ...) != v}
    gone = [k for k in before if k not in after]
    return sets, gone


def current_counts(cards_dir: Path) -> dict[str, Counts]:
    """Every model's downloads and likes as its ``meta.json`` in ``cards_dir`` has them."""
    out: dict[str, Counts] = {}
    for meta_path in sorted(cards_dir.glob(f"*/{META}")):
        name = meta_path.parent.name
        if name.startswith(".") or not is_valid_name(name):
            continue
        try:
            meta = json.loads(meta_path.read_bytes())
            out[name] = (_safe_count(meta.get("downloads")), _safe_count(meta.get("likes")))
        except (OSError, ValueError, AttributeError):
            continue  # a broken meta.json is the reader's to report; it has no counts tonight
    return out


def _safe_count(value: object) -> int | None:
    try:
        return _count(value)
    except ValueError:
        return None


def record(cards_dir: Path, *, day: date | None = None, counts: Mapping[str, Counts] | None = None) -> str:
    """Add tonight's counts (by default those in ``cards_dir``'s ``meta.json`` files) as the night ``day``.

    A second run on the same UTC day replaces that day's line; a night on
    which no count moved adds no line. Returns one summary line; a history file that cannot be read is left untouched and
    the line says why.
    """
    day_s = (day or datetime.now(timezone.utc).date()).isoformat()
    now = dict(counts if counts is not None else current_counts(cards_dir))
    path = path_in(cards_dir)
    try:
        parsed = list(_lines(path)) if path.is_file() else []
    except (HistoryError, OSError) as exc:
        return f"history: not recorded, {exc}; the file was left as it is"
    if parsed and parsed[-1][0] > day_s:
        return f"history: not recorded, {path} already has {parsed[-1][0]}, after {day_s}"
    replaced = bool(parsed) and parsed[-1][0] == day_s
    if replaced:
        parsed.pop()  # the same night again: its line is replaced
    # Fold the oldest lines into one full first line, so at most MAX_SNAPSHOTS remain.
    fold = max(0, len(parsed) + 1 - MAX_SNAPSHOTS)
    state: dict[str, Counts] = {}
    lines: list[bytes] = []
    for i, (d, sets, gone) in enumerate(parsed):
        _apply(state, sets, gone)
        if i < fold:
            continue
        if i == fold:
            lines.append(_encode(d, state))
        else:
            lines.append(_encode(d, sets, gone))
    sets, gone = _delta(state, now)
    if lines and not sets and not gone and not replaced:
        # Nothing moved since the last night: no line (and so no commit of an unchanged snapshot).
        return f"history: no count changed since {parsed[-1][0]}"
    lines.append(_encode(day_s, now if not lines else sets, () if not lines else gone))
    atomic_write(path, b"".join(lines))
    return f"history: {day_s} recorded for {len(now):,} models ({len(sets):,} changed), {len(lines)} nights kept"


def trends(history: list[Night], *, spark: int = SPARK_NIGHTS, rising_nights: int = RISING_NIGHTS) -> dict[str, Trend]:
    """Each bot's downloads over the last ``spark`` nights and its gain over the last ``rising_nights``.

    The gain compares the newest night with the one ``rising_nights`` before
    it (or the oldest there is); it is ``None`` with fewer than two nights or
    where either figure is unknown.
    """
    if not history:
        return {}
    recent = history[-spark:]
    latest = history[-1].counts
    base = history[max(0, len(history) - 1 - rising_nights)].counts if len(history) > 1 else None
    out: dict[str, Trend] = {}
    for name, (d_now, _) in latest.items():
        d_then = base.get(name, (None, None))[0] if base is not None else None
        rising = d_now - d_then if d_now is not None and d_then is not None else None
        series = tuple(n.counts.get(name, (None, None))[0] for n in recent)
        out[name] = Trend(dates=tuple(n.date for n in recent), downloads=series, rising=rising)
    return out


def load(cards_dirs: Iterable[Path]) -> dict[str, Trend]:
    """The trends of every snapshot folder in ``cards_dirs`` that has a history; a bad file is reported and skipped."""
    out: dict[str, Trend] = {}
    for cards_dir in cards_dirs:
        if not Path(cards_dir).is_dir():
            continue
        try:
            out.update(trends(nights(Path(cards_dir))))
        except (HistoryError, OSError) as exc:
            log.warning("history: %s; no trends from it", exc)
    return out


def sparkline(trend: Trend, *, width: int = 120, height: int = 28) -> str | None:
    """A small inline SVG of ``trend``'s downloads (``None`` with fewer than two known nights).

    Only numbers and fixed text go into it, so it is safe to insert as is.

    >>> svg = sparkline(Trend(dates=("2026-11-30", "2026-12-01"), downloads=(3, 5), rising=2))
    >>> svg.startswith("<svg") and "3 to 5" in svg
    True
    """
    known = [(i, v) for i, v in enumerate(trend.downloads) if v is not None]
    if len(known) < 2:
        return None
    lo = min(v for _, v in known)
    hi = max(v for _, v in known)
    span = hi - lo or 1
    n = max(1, len(trend.downloads) - 1)
    pad = 2

    def xy(i: int, v: int) -> str:
        x = pad + (width - 2 * pad) * i / n
        y = height - pad - (height - 2 * pad) * (v - lo) / span
        return f"{x:.1f},{y:.1f}"

    # A gap (an unknown night) breaks the line.
    runs: list[list[str]] = [[]]
    for i, v in enumerate(trend.downloads):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(xy(i, v))
    paths = "".join(
        f'<polyline points="{" ".join(r)}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>'
        if len(r) > 1 else f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="1.5" fill="currentColor"/>'
        for r in runs if r
    )  # fmt: skip
    first, last = known[0][1], known[-1][1]
    label = (
        f"Downloads over the last {len(trend.downloads)} nightly snapshots "
        f"({trend.dates[0]} to {trend.dates[-1]}): from {first:,} to {last:,}"
    )
    return (
        f'<svg class="ht-spark" role="img" aria-label="{label}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{label}</title>{paths}</svg>'
    )
