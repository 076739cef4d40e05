"""The statistics page: SVG charts (:mod:`generator.charts`) and a table of each chart's numbers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .. import stats
from ..buildcache import CACHE_DIR
from ..models import Bot
from .escape import _num, environment, front_matter
from .writer import Writer

if TYPE_CHECKING:
    from ..charts import Chart, ChartJob

#: What :func:`generator.charts.drawn_once` keeps of the charts drawn, in ``docs/.cache/``.
CHARTS_FILE = "charts.json"
#: Width of a bar of the tweets-kept histogram, in tweets.
KEPT_BIN = 500
#: Width of a bar of the share histograms, in percentage points.
SHARE_BIN = 10


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None


@dataclass(frozen=True)
class Section:
    """One chart of the statistics page and the table of its numbers."""

    id: str
    title: str
    svg: str | None
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def svg_dark(self) -> str | None:
        """The chart drawn for the dark scheme (``x.dark.svg`` beside ``x.svg``)."""
        return self.svg.removesuffix(".svg") + ".dark.svg" if self.svg else None


def _chart_section(chart: Chart, *, sid: str, label_header: str, link: str | None = None, note: str = "") -> Section:
    """A section whose table is exactly what ``chart`` drew (``charts.Chart.rows``)."""
    rows = tuple(
        (Cell(label, f"../{link}/{label.lstrip('@')}/" if link else None), Cell(_num(round(value))))
        for label, value in chart.rows
    )
    return Section(sid, chart.title, f"{sid}.svg", (label_header, chart.value_header.capitalize()), rows, note)


def _table_section(sid: str, title: str, headers: tuple[str, str], items: Sequence[tuple[str, int]], note: str) -> Section:
    return Section(sid, title, None, headers, tuple((Cell(k), Cell(_num(v))) for k, v in items), note)


@dataclass(frozen=True)
class Statistics:
    """One statistics pass (:func:`statistics_of`) over ``names``' bots: the page's totals, note and
    sections, and the charts to draw into ``docs_dir``. The build makes it once and hands it both to
    the drawing process (``jobs``) and to :func:`write_statistics` (the page), which would otherwise
    each run the pass again."""

    names: tuple[str, ...]
    docs_dir: Path
    totals: tuple[tuple[str, int | None], ...]
    hub_note: str
    sections: tuple[Section, ...]
    jobs: tuple[ChartJob, ...]


def statistics_of(*, bots: Sequence[Bot], docs_dir: Path) -> Statistics:
    """The statistics of ``bots`` with their charts listed, not drawn (:func:`generator.charts.deferred`):
    :func:`draw_charts` draws ``.jobs`` (in another process, while the pages are rendered) and
    :func:`write_statistics` writes the page from the same pass."""
    from .. import charts

    with charts.deferred() as jobs:
        totals, hub_note, sections = _sections(bots, svg=lambda sid: docs_dir / f"statistics/{sid}.svg")
    return Statistics(tuple(b.name for b in bots), docs_dir, tuple(totals), hub_note, tuple(sections), tuple(jobs))


def draw_charts(jobs: Sequence[ChartJob], docs_dir: Path) -> dict[str, float]:
    """Draw the ``jobs`` of :func:`statistics_of` into ``docs_dir`` (those drawn before from the same
    numbers are left alone, :func:`generator.charts.drawn_once`); the wall and CPU seconds taken."""
    from .. import charts

    start, cpu = time.perf_counter(), time.process_time()
    charts.draw_jobs(jobs, record=docs_dir / CACHE_DIR / CHARTS_FILE)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def write_statistics(
    *,
    bots: Sequence[Bot],
    writer: Writer,
    snapshot_date: str | None,
    draw: bool = True,
    computed: Statistics | None = None,
) -> list[Path]:
    """Draw the statistics charts (SVG) and write ``statistics/index.md`` with a table per chart.

    ``draw=False``: the charts' files are claimed but not drawn, since :func:`draw_charts` draws
    them (the page is the same: its tables hold the numbers, which do not depend on the drawing).

    ``computed``: :func:`statistics_of` these ``bots`` into ``writer``'s folder, made already (the
    build makes it for the drawing process), so the pass is not run again; the files are the same
    with or without it. Made for other bots or another folder, it is refused (``ValueError``).
    """
    from .. import charts

    if computed is None:
        computed = statistics_of(bots=bots, docs_dir=writer.docs_dir)
    elif computed.docs_dir != writer.docs_dir or computed.names != tuple(b.name for b in bots):
        raise ValueError(
            f"statistics computed for {len(computed.names):,} bots into {computed.docs_dir} "
            f"cannot be written for {len(bots):,} bots into {writer.docs_dir}: compute them for these"
        )
    drawn: list[Path] = []
    for section in computed.sections:  # each chart's two files, claimed in the order the pass drew them
        if section.svg:
            drawn.append(writer.claim(f"statistics/{section.svg_dark}", owner=f"the {section.id} chart (dark scheme)"))
            drawn.append(writer.claim(f"statistics/{section.svg}", owner=f"the {section.id} chart"))
    if draw:
        charts.draw_jobs(computed.jobs, record=writer.docs_dir / CACHE_DIR / CHARTS_FILE)
    page = environment().get_template("statistics.md.j2").render(
        totals=list(computed.totals), sections=list(computed.sections), snapshot_date=snapshot_date,
        hub_note=computed.hub_note,
    )  # fmt: skip
    meta = {"title": "Statistics", "search": {"exclude": True}, "hide": ["navigation"]}
    path = writer.write("statistics/index.md", front_matter(meta) + page, owner="the statistics page")
    return [path, *sorted(drawn)]


def _sections(
    bots: Sequence[Bot], *, svg: Callable[[str], Path]
) -> tuple[list[tuple[str, int | None]], str, list[Section]]:
    """The totals, the note on Hub figures and the sections of the statistics page; each chart is
    drawn (or, within :func:`generator.charts.deferred`, listed) to ``svg(its id)``."""
    from .. import charts

    t = stats.totals(bots)
    totals = [
        ("Bots", t.bots),
        ("Single-account bots", t.single),
        ("Cyborgs", t.cyborgs),
        ("Accounts", t.accounts),
        ("Tweets downloaded", t.tweets_downloaded),
        ("Tweets kept", t.tweets_kept),
        ("Downloads (Hub)", t.downloads),
        ("Likes (Hub)", t.likes),
        ("Bots with generated samples", t.with_samples),
    ]
    hub_note = (
        "No bot in the snapshot has figures from the Hub (downloads, likes): they are unknown."
        if not t.with_downloads
        else f"Hub figures (downloads, likes) are known for {t.with_downloads:,} of {t.bots:,} bots."
        if t.with_downloads < t.bots
        else ""
    )
    sections: list[Section] = []
    kept = [v for b in bots if (v := b.totals["tweets_kept"]) is not None]
    shares = [s for b in bots if (s := stats.shares(b))]
    readable = f"{len(kept):,} bots with readable counts."
    if kept:
        edges = charts.bin_edges(max(kept), step=KEPT_BIN)  # bounded, however large a count
        chart = charts.histogram(out=svg("tweets-kept"), title="Tweets kept per bot", values=kept, bins=edges,
                                 xlabel="Tweets kept")  # fmt: skip
        sections.append(_chart_section(chart, sid="tweets-kept", label_header="Tweets kept", note=readable))
    pct_edges = list(range(0, 101, SHARE_BIN))
    for sid, title, values in (
        ("retweet-share", "Share of retweets", [s.retweets * 100 for s in shares]),
        ("short-share", "Share of short tweets", [s.short * 100 for s in shares]),
    ):
        if values:
            label = "% of tweets downloaded"
            chart = charts.histogram(out=svg(sid), title=title, values=values, bins=pct_edges, xlabel=label)
            sections.append(_chart_section(chart, sid=sid, label_header=label, note=f"{len(values):,} bots."))
    months = stats.per_month(bots)
    if months:
        chart = charts.line_chart(out=svg("per-month"), title="Bots created per month",
                                  labels=[m for m, _ in months], values=[c for _, c in months], ylabel="bots")  # fmt: skip
        sections.append(_chart_section(chart, sid="per-month", label_header="Month",
                                       note="Created: the Hub's date, else the date in the card's thumbnail URL."))  # fmt: skip

    def bars(sid: str, title: str, items: Sequence[tuple[str, int]], *, xlabel: str, header: str,
             link: str | None = None) -> None:  # fmt: skip
        if items:
            chart = charts.bar_chart(out=svg(sid), title=title, labels=[k for k, _ in items],
                                     values=[v for _, v in items], xlabel=xlabel, horizontal=True)  # fmt: skip
            sections.append(_chart_section(chart, sid=sid, label_header=header, link=link))

    for key, label in (("downloads", "downloads"), ("likes", "likes"), ("tweets_kept", "tweets kept")):
        top = [(b.name, v) for b, v in stats.top(bots, key=key)]  # type: ignore[arg-type]
        bars(f"top-{key.replace('_', '-')}", f"Top {stats.TOP_N} by {label}", top, xlabel=label, header="Bot", link="bots")
    bars("cyborg-accounts", "Accounts most often combined in cyborgs",
         [(f"@{h}", c) for h, c in stats.cyborg_partners(bots)], xlabel="cyborgs", header="Account", link="accounts")  # fmt: skip
    bars("eras", "Card template eras", stats.eras(bots), xlabel="bots", header="Era")
    q = stats.quality(bots)
    bars("quality", "Data quality", [
        ("With a problem", q.with_problems),
        ("Counts unreadable", q.unknown_counts),
        ("Columns not mapped", q.unmapped_columns),
        ("Unknown template", q.unknown_era),
        ("No Hub metadata", q.no_hub_meta),
    ], xlabel="bots", header="Of the bots")  # fmt: skip
    sections.append(_table_section("problems", "Most frequent problems", ("Problem", "Bots"), q.problems,
                                   "What the normaliser could not read, as each bot page reports it."))  # fmt: skip
    return totals, hub_note, sections
