"""Deterministic SVG charts for the statistics page, drawn with matplotlib.

Each function draws one chart to ``out`` and returns a :class:`Chart`: the
path plus the exact numbers drawn, so the page puts the same figures in a
table beside the image (readable without the picture, and for screen readers).

Why the settings:

* Deterministic bytes (a golden-output test diffs ``docs/``): matplotlib
  defaults rather than the caller's rcParams, a fixed ``svg.hashsalt`` for
  element ids, and no date in the metadata.
* Small files: text stays text (``svg.fonttype: none``), so no glyph outlines
  are embedded; the page's browser picks fonts along the same family list the
  layout used (:data:`~generator.style.FONT_FAMILY`) and falls back to
  its own, so labels in any script render.
* Light and dark page themes: a transparent background, and each chart drawn
  twice, with dark text (``x.svg``) and light text (``x.dark.svg``); one
  mid-tone accent reads on white and on slate.
* Labels are untrusted (account names): they go through
  :func:`~generator.style.clean_text`, mathtext is off, and matplotlib
  XML-escapes SVG text.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .buildcache import file_digest
from .style import FONT_FAMILY, clean_text, mpl_style

__all__ = ["Chart", "ChartJob", "MAX_BINS", "bar_chart", "bin_edges", "deferred", "draw_jobs", "histogram", "line_chart"]

ACCENT = "#4c8df6"  # 3.4:1 on white, 5.1:1 on Material's slate: bars read in both schemes
WIDTH_IN = 5.2  # inches at 100 dpi: 520 px wide; on a 390 px phone 12 pt text stays about 11 px
#: Text and grid colours per page scheme: each chart is drawn once for each
#: (``NAME.svg`` and ``NAME.dark.svg``) and the page shows the one its scheme wants.
SCHEMES: dict[str, str] = {"light": "#44474e", "dark": "#c3c6cf"}  # 9.4:1 on white, 9.7:1 on slate
DARK_SUFFIX = ".dark.svg"
_SVG_RC = {
    "svg.hashsalt": "huggingtweets-gallery",
    "svg.fonttype": "none",
    "font.size": 12,
    "font.sans-serif": ["DejaVu Sans"],  # keeps the generic family short in the SVG
    "font.family": [*FONT_FAMILY, "sans-serif"],  # the browser's own sans-serif last
}


def _rc(ink: str) -> dict[str, object]:
    return {**_SVG_RC, **{k: ink for k in ("axes.edgecolor", "axes.labelcolor", "text.color", "xtick.color", "ytick.color")}}


def dark_path(out: Path) -> Path:
    """Where the dark-scheme variant of the chart at ``out`` goes (``x.svg`` -> ``x.dark.svg``).

    >>> dark_path(Path("statistics/eras.svg")).name
    'eras.dark.svg'
    """
    return out.with_name(out.name.removesuffix(".svg") + DARK_SUFFIX)


_MAX_LABEL = 22  # characters of a bar label on the chart; the table has them in full
#: Most bins a histogram has, whatever its values: one bar (and one table row)
#: per bin, so a single huge value must widen the bins, not multiply them.
MAX_BINS = 60


@dataclass(frozen=True)
class Chart:
    """One drawn chart: where it is and the numbers it shows.

    ``rows`` pairs each drawn label (full, cleaned text) with its value, in
    drawing order; ``label_header`` and ``value_header`` name the two columns
    of the table the page puts beside the image.
    """

    path: Path
    title: str
    label_header: str
    value_header: str
    rows: tuple[tuple[str, float], ...]

    @property
    def display_rows(self) -> tuple[tuple[str, str], ...]:
        """``rows`` with values formatted as on the chart (``1,234``; ``0.125``)."""
        return tuple((label, _fmt(value)) for label, value in self.rows)


def _fmt(value: float) -> str:
    """Thousands separators for whole numbers, three significant digits otherwise."""
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.3g}"


def _checked(title: str, labels: Sequence[str], values: Sequence[float]) -> tuple[list[str], list[float]]:
    if len(labels) != len(values):
        raise ValueError(f"chart {title!r}: {len(labels)} labels but {len(values)} values")
    numbers = [float(v) for v in values]
    if not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"chart {title!r}: values must be finite numbers, got {list(values)!r}")
    return [clean_text(str(label)) for label in labels], numbers


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1].rstrip() + "…"


def _figure(height_in: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=100, layout="constrained")
    FigureCanvasSVG(fig)
    fig.patch.set_alpha(0)
    ax = fig.add_subplot()
    ax.patch.set_alpha(0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    return fig, ax


def _value_axis(ax: Axes, *, horizontal: bool, ink: str) -> None:
    """Grid and whole-number ticks along the value axis: every chart counts something
    (bots, downloads, likes, tweets), and "2.5 bots" is no tick."""
    axis = ax.xaxis if horizontal else ax.yaxis
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v)))
    axis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=2))
    ax.grid(axis="x" if horizontal else "y", color=ink, alpha=0.25, linewidth=0.8)
    ax.margins(**({"x": 0.12} if horizontal else {"y": 0.08}))  # room for value labels
    ax.set_axisbelow(True)


def _save(fig: Figure, out: Path, title: str) -> None:
    # No drawn title: the page's heading above the chart already says it.
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None, "Title": title})


def _schemes(out: Path) -> list[tuple[str, Path]]:
    """(ink colour, path) for each scheme's variant of the chart at ``out``."""
    return [(SCHEMES["light"], out), (SCHEMES["dark"], dark_path(out))]


# --- drawn once: a chart whose numbers did not change is not drawn again ------------

#: While :func:`drawn_once` is active: ``old`` and ``new`` map an out path to
#: {"key": hash of what was drawn, "files": {path: sha256 of its bytes}}.
_memo: dict[str, dict] | None = None


@cache
def _code_version() -> str:
    """What the drawing depends on besides its inputs: this module, the style, matplotlib."""
    import matplotlib

    from . import style

    h = hashlib.sha256(matplotlib.__version__.encode())
    for module in (__file__, style.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()


@dataclass(frozen=True)
class ChartJob:
    """One chart to draw later, elsewhere (:func:`deferred`, :func:`draw_jobs`): where, with which
    drawing function of this module (by name, so the job pickles to another process), from what."""

    out: Path
    draw: str
    args: tuple
    kwargs: dict


#: While :func:`deferred` is active: the charts asked for, to draw with :func:`draw_jobs`.
_deferred: list[ChartJob] | None = None


@contextmanager
def deferred() -> Iterator[list[ChartJob]]:
    """Within this block a chart function draws nothing: it checks its input and returns its
    :class:`Chart` (the numbers, which do not depend on the drawing) as always, and the drawing
    is added to the list this yields, for :func:`draw_jobs` to draw (the build draws them in its
    drawing process, beside the pages, instead of on the way to MkDocs)."""
    global _deferred
    jobs: list[ChartJob] = []
    _deferred = jobs
    try:
        yield jobs
    finally:
        _deferred = None


def draw_jobs(jobs: Sequence[ChartJob], *, record: Path) -> None:
    """Draw ``jobs`` (from :func:`deferred`) as the chart functions would have, within
    :func:`drawn_once` of ``record``: a chart drawn before from the same numbers is not drawn again."""
    with drawn_once(record):
        for job in jobs:
            _draw_schemes(job.out, _DRAWERS[job.draw], *job.args, **job.kwargs)


@contextmanager
def drawn_once(record: Path) -> Iterator[None]:
    """Within this block a chart is not drawn again when ``record`` (a JSON file) says the same
    inputs were drawn by the same code into files that still hold those bytes: drawing the
    statistics charts is seconds of every build, whatever changed. Charts the block does not
    draw are forgotten; a record that cannot be read is ignored (everything is drawn)."""
    global _memo
    try:
        old = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    seen: dict[str, dict] = {}
    _memo = {"old": old if isinstance(old, dict) else {}, "new": seen}
    try:
        yield
    finally:
        _memo = None
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(seen, sort_keys=True), encoding="utf-8")


def _draw_schemes(out: Path, draw: Callable[..., None], *args: object, **kwargs: object) -> None:
    """``draw(path, *args, ink=..., **kwargs)`` for each scheme under its style, unless
    :func:`drawn_once` knows these exact inputs were drawn there already."""
    if _deferred is not None:
        _deferred.append(ChartJob(out, draw.__name__, args, kwargs))
        return
    memo, key = _memo, None
    paths = [p for _, p in _schemes(out)]
    if memo is not None:
        inputs = json.dumps([draw.__name__, args, kwargs, _code_version()], default=_plain, sort_keys=True)
        key = hashlib.sha256(inputs.encode("utf-8")).hexdigest()
        entry = memo["old"].get(str(out))
        if isinstance(entry, dict) and entry.get("key") == key and entry.get("files") == {str(p): file_digest(p) for p in paths}:
            memo["new"][str(out)] = entry
            return
    schemes = _schemes(out)
    if RECOLOUR and not _mentions_ink(args, kwargs):
        schemes = schemes[:1]  # the dark variant is the light one recoloured, below
    for ink, path in schemes:
        with mpl_style(_rc(ink)):
            draw(path, *args, ink=ink, **kwargs)
    if len(schemes) == 1:
        light, dark = _schemes(out)
        dark[1].write_bytes(light[1].read_bytes().replace(light[0].encode(), dark[0].encode()))
    if memo is not None:
        memo["new"][str(out)] = {"key": key, "files": {str(p): file_digest(p) for p in paths}}


#: Draw each chart once, for the light scheme, and write the dark variant as that SVG with the
#: light ink's colour replaced by the dark's: the ink changes no position, size or id, so the
#: bytes are those of drawing it again (a test draws both ways), at half the cost (~1.7 s a build).
RECOLOUR = True


def _mentions_ink(args: tuple, kwargs: dict) -> bool:
    """Whether a chart's inputs (labels are untrusted text) hold the light ink's colour code, which
    recolouring would change in the text too: such a chart is drawn for each scheme instead."""
    ink = SCHEMES["light"].lower()
    return ink in json.dumps([args, kwargs], default=_plain, ensure_ascii=False).lower()


def _plain(value: object) -> object:
    """JSON for the numbers charts are drawn from (numpy arrays and scalars)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot key a chart on {type(value).__name__}")


def bar_chart(
    *,
    out: Path,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    xlabel: str = "",
    horizontal: bool = False,
) -> Chart:
    """Bars of ``values`` named by ``labels``; horizontal suits long names (top 20s).

    ``xlabel`` names the values (the value axis and the table's value column).
    Horizontal bars are listed top-down in the given order and carry their
    value at the end; long labels are shortened on the chart only.
    """
    names, numbers = _checked(title, labels, values)
    _draw_schemes(out, _bars, title, names, numbers, xlabel=xlabel, horizontal=horizontal)
    return Chart(out, title, "", xlabel or "value", tuple(zip(names, numbers)))


def bin_edges(top: float, *, step: int, max_bins: int = MAX_BINS) -> list[int]:
    """Edges ``0, w, 2w, ...`` up to the first at or above ``top``, at most ``max_bins`` bins.

    ``w`` is ``step`` when that gives few enough bins, else the smallest of
    ``step`` times 2, 5, 10, 20, 50... that does, so the count of bins is
    bounded whatever ``top`` is.

    >>> bin_edges(1200, step=500)
    [0, 500, 1000, 1500]
    >>> edges = bin_edges(10**20, step=500); len(edges) - 1 <= MAX_BINS, edges[1]
    (True, 2500000000000000000)
    """
    width, factors = step, ((2, 1), (5, 2), (2, 1))  # x1, x2, x5, x10, x20, x50, ... (exact integers)
    i = 0
    while -(-top // width) > max_bins:
        num, den = factors[i % 3]
        width = width * num // den
        i += 1
    bins = max(1, int(-(-top // width)))
    return [k * width for k in range(bins + 1)]


def _bars(out: Path, title: str, names: list[str], numbers: list[float], *, xlabel: str, horizontal: bool, ink: str) -> None:
    if horizontal:
        fig, ax = _figure(0.7 + 0.28 * max(1, len(names)))
        bars = ax.barh(range(len(names)), numbers, color=ACCENT, height=0.7)
        ax.set_yticks(range(len(names)), [_short(n) for n in names])
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.bar_label(bars, labels=[_fmt(v) for v in numbers], padding=3, color=ink, fontsize=11)
    else:
        fig, ax = _figure(3.6)
        bars = ax.bar(range(len(names)), numbers, color=ACCENT, width=0.7)
        if len(names) <= 12:
            ax.bar_label(bars, labels=[_fmt(v) for v in numbers], padding=3, color=ink, fontsize=11)
        ax.set_xticks(range(len(names)), [_short(n) for n in names], rotation=30 if len(names) > 6 else 0,
                      ha="right" if len(names) > 6 else "center")  # fmt: skip
    _value_axis(ax, horizontal=horizontal, ink=ink)
    if xlabel:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(xlabel)
    _save(fig, out, title)


def histogram(*, out: Path, title: str, values: Sequence[float], bins: Sequence[float], xlabel: str) -> Chart:
    """How many ``values`` fall in each bin between consecutive ``bins`` edges.

    Bins include their left edge, the last also its right edge; values below
    the first or above the last edge are counted in the outer bins, so the
    table's counts always add up to ``len(values)``. Rows are labelled
    ``"a–b"`` with the edges.
    """
    edges = [float(b) for b in bins]
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError(f"chart {title!r}: bins must be at least two increasing edges, got {list(bins)!r}")
    if len(edges) - 1 > MAX_BINS:
        raise ValueError(f"chart {title!r}: {len(edges) - 1} bins, more than MAX_BINS ({MAX_BINS}); see bin_edges")
    data = np.clip(np.asarray([float(v) for v in values], dtype=float), edges[0], edges[-1])
    if not np.all(np.isfinite(data)):
        raise ValueError(f"chart {title!r}: values must be finite numbers")
    counts, _ = np.histogram(data, bins=edges)
    _draw_schemes(out, _histogram, title, edges, counts, xlabel=xlabel)
    rows = tuple((f"{_fmt(a)}–{_fmt(b)}", float(n)) for a, b, n in zip(edges, edges[1:], counts))
    return Chart(out, title, xlabel, "bots", rows)


def _histogram(out: Path, title: str, edges: list[float], counts: np.ndarray, *, xlabel: str, ink: str) -> None:
    fig, ax = _figure(3.2)
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=ACCENT, edgecolor="none", linewidth=0)
    ax.set_xlim(edges[0], edges[-1])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _fmt(v)))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    _value_axis(ax, horizontal=False, ink=ink)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("bots")
    _save(fig, out, title)


def line_chart(*, out: Path, title: str, labels: Sequence[str], values: Sequence[float], ylabel: str) -> Chart:
    """``values`` over ordered categories ``labels`` (e.g. months), as a line with markers.

    With many labels only about eight are written on the axis; the table has all.
    """
    names, numbers = _checked(title, labels, values)
    _draw_schemes(out, _line, title, names, numbers, ylabel=ylabel)
    return Chart(out, title, "", ylabel, tuple(zip(names, numbers)))


def _line(out: Path, title: str, names: list[str], numbers: list[float], *, ylabel: str, ink: str) -> None:
    fig, ax = _figure(3.2)
    xs = range(len(names))
    ax.fill_between(xs, numbers, color=ACCENT, alpha=0.15, linewidth=0)
    ax.plot(xs, numbers, color=ACCENT, linewidth=2, marker="o", markersize=3 if len(names) > 24 else 5)
    step = max(1, math.ceil(len(names) / 8))
    ax.set_xticks(list(xs)[::step], [_short(n) for n in names[::step]], rotation=45, ha="right")
    ax.set_xlim(-0.5, max(0.5, len(names) - 0.5))
    ax.set_ylim(bottom=min(0.0, *numbers) if numbers else 0.0)
    _value_axis(ax, horizontal=False, ink=ink)
    ax.set_ylabel(ylabel)
    _save(fig, out, title)


#: The drawing functions a :class:`ChartJob` names.
_DRAWERS: dict[str, Callable[..., None]] = {f.__name__: f for f in (_bars, _histogram, _line)}
