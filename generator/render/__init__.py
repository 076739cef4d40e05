"""Bot records -> the generated part of ``docs/``: Markdown pages, JSON, CSV, a feed, SVG charts.

MkDocs only renders what this module writes, so everything that needs the
data happens here and the same ``docs/`` builds without hooks or plugins.

Card text is untrusted, so each value is escaped for the one context it
lands in:

* pages are jinja2 templates with autoescaping on, and every card value sits
  inside a raw HTML block (which Markdown leaves alone), never in Markdown
  syntax; control characters are dropped first, so a value cannot forge
  Markdown's internal placeholders either;
* front matter is written with ``yaml.safe_dump`` and holds only values that
  are safe in Material's unescaped ``<title>``/``<meta>`` (repo names,
  handles, numbers): Material prints ``page.meta.title`` as it is;
* JSON goes through ``json.dumps``, CSV through :mod:`csv` (free-text cells
  that a spreadsheet would run as a formula get a leading ``'``);
* only ``http(s)`` URLs become links, and every output path comes from a
  validated repo name or handle; :class:`Writer` refuses a second write to
  the same path (case folded, as on macOS and Windows file systems).

The package follows those seams: :mod:`.escape` (escaping and formatting),
:mod:`.writer` (output paths, one owner each), :mod:`.pages` (the Markdown
pages), :mod:`.data` (JSON, CSV, the feed) and :mod:`.statistics` (charts and
their tables). This module only puts the tree together (:func:`render_docs`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .. import history, stats
from ..buildcache import RenderCache, digest, file_digest
from ..history import Trend
from ..snapshot import data_date as snapshot_date  # the data's part of the one date rule
from ..models import Bot
from .data import CSV_FIELDS, FEED_SIZE, bots_csv, bots_json, feed_json
from .escape import clean, csv_cell, environment, front_matter, http_url, one_line
from .gallery import SORTS, SortKey, gallery_files, gallery_page, sort_bots
from .accounts_index import accounts_index_page
from .pages import Face, Images, _account_page, _bot_page, face, user_for
from .quality import write_quality
from .statistics import Cell, Section, Statistics, draw_charts, statistics_of, write_statistics
from .writer import GENERATED, HANDLE_RE, Writer, account_path, bot_path, clear_generated

__all__ = [
    "CSV_FIELDS", "Cell", "FEED_SIZE", "Face", "GENERATED", "HANDLE_RE", "Images", "SORTS", "Section", "SortKey",
    "Statistics", "Writer", "account_path", "bot_path", "bots_csv", "bots_json", "clean",
    "clear_generated", "csv_cell", "draw_charts", "environment", "face", "feed_json", "front_matter", "http_url",
    "one_line", "render_docs", "snapshot_date", "sort_bots", "statistics_of", "user_for", "write_statistics",
]  # fmt: skip


def render_docs(
    *,
    bots: Sequence[Bot],
    docs_dir: Path,
    images: Images,
    site_url: str = "",
    snapshot_day: str | None = None,
    trends: Mapping[str, Trend] | None = None,
    writer: Writer | None = None,
    cache: RenderCache | None = None,
    charts_drawn: Callable[[], object] | None = None,
    statistics: Statistics | None = None,
) -> list[Path]:
    """Write every generated page and data file into ``docs_dir``; return the paths written.

    Files that already hold the same bytes are left alone, and generated
    files no longer produced are deleted; pass a ``writer`` to count them.

    ``trends``: each bot's recent nights (:func:`generator.history.load`), for
    the gallery's "Rising" sort and the bot pages' sparklines.

    ``snapshot_day``: the snapshot's date (:meth:`generator.snapshot.Snapshot.date`);
    by default the newest date in the data.

    ``cache`` (:class:`generator.buildcache.RenderCache`): pages whose inputs are unchanged are
    taken from it instead of rendered; the files written are the same with or without it.

    ``charts_drawn``: the statistics charts are drawn elsewhere (the build draws :func:`statistics_of`'s jobs
    with :func:`draw_charts` in its drawing process while this renders the pages); called before the
    site-wide files are written (whose cache entry checks the charts' bytes), it returns once they
    are drawn. Without it the charts are drawn here.

    ``statistics``: :func:`statistics_of` ``bots`` into ``docs_dir``, when the caller made it already
    (the build, for the drawing process's :func:`draw_charts`), so the statistics pass runs once a
    build, not again for the page; without it the page's pass is run here, when the page is rendered.

    ``bots`` must have valid, distinct names (the caller drops the others and
    reports them). Raises :class:`OutputCollisionError` when two bots or two
    accounts would share a path.
    """
    writer = writer or Writer(docs_dir)
    day = snapshot_day or snapshot_date(bots)
    trends = trends or {}
    rising = {name: t.rising for name, t in trends.items() if t.rising is not None}
    # With a cache, each page's key is a digest of exactly what its renderer is given (the bot
    # pages get only their own images, Images.of), and the site-wide files' key one of everything.
    digests = {id(b): digest(b) for b in bots} if cache is not None else {}
    site_key = RenderCache.key("site", [digests[id(b)] for b in bots], images, day, rising, site_url) if cache is not None else ""

    def gallery() -> list[Path]:
        files = gallery_files(bots, images=images, snapshot_date=day, rising=rising)
        return [writer.write(rel, text, owner="the gallery") for rel, text in files.items()]

    written = _unit(cache, writer, f"{site_key}:gallery", gallery)
    for bot in bots:
        trend = trends.get(bot.name)
        spark = history.sparkline(trend) if trend else None
        if cache is None:
            page = _bot_page(bot, images=images, snapshot_date=day, spark=spark)
        else:
            own = images.of([bot])
            key = RenderCache.key("bot", digests[id(bot)], own, day, spark)
            page = cache.page(key, lambda: _bot_page(bot, images=own, snapshot_date=day, spark=spark))  # noqa: B023 - called at once
        written.append(writer.write(bot_path(bot.name), page, owner=bot.id))
    by_handle = stats.accounts(bots)
    for handle, its_bots in by_handle.items():
        if cache is None:
            page = _account_page(handle, its_bots, images=images)
        else:
            own = images.of(its_bots)
            key = RenderCache.key("account", handle, [digests[id(b)] for b in its_bots], own)
            page = cache.page(key, lambda: _account_page(handle, its_bots, images=own))  # noqa: B023 - called at once
        written.append(writer.write(account_path(handle), page, owner=f"@{handle}"))

    def site_wide() -> list[Path]:
        paths = [writer.write("accounts/index.md", accounts_index_page(by_handle), owner="the account list")]
        paths.append(writer.write("bots.json", bots_json(bots), owner="bots.json"))
        paths.append(writer.write("bots.csv", bots_csv(bots), owner="bots.csv"))
        paths.append(writer.write("feed.json", feed_json(bots, site_url=site_url), owner="feed.json"))
        paths.extend(write_statistics(bots=bots, writer=writer, snapshot_date=day, draw=charts_drawn is None,
                                      computed=statistics))  # fmt: skip
        paths.append(write_quality(bots=bots, writer=writer, snapshot_date=day))
        return paths

    if charts_drawn is not None:
        charts_drawn()
    written.extend(_unit(cache, writer, f"{site_key}:site-wide", site_wide))
    writer.prune()  # pages of bots and accounts that are gone
    return written


def _unit(cache: RenderCache | None, writer: Writer, key: str, make: Callable[[], list[Path]]) -> list[Path]:
    """``make()``, which writes through ``writer``; with a ``cache``, its writes are recorded under
    ``key`` and, when ``key`` is cached and the files it claimed to write itself (the charts) still
    hold the bytes they had, replayed instead of calling it."""
    docs = writer.docs_dir
    if cache is not None:
        entry = cache.get(key, check=lambda e: all(file_digest(docs / rel) == d for rel, d in e[1].items()))
        if entry is not None:
            calls, _, rels = entry
            writer.replay(calls)
            return [docs / rel for rel in rels]
    with writer.recording() as calls:
        paths = make()
    if cache is not None:
        claimed = {rel: file_digest(docs / rel) for rel, data, _ in calls if data is None}
        cache.put(key, (calls, claimed, [p.relative_to(docs).as_posix() for p in paths]))
    return paths
