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

from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import history, stats
from ..history import Trend
from ..snapshot import data_date as snapshot_date  # the data's part of the one date rule
from ..models import Bot
from .data import CSV_FIELDS, FEED_SIZE, bots_csv, bots_json, feed_json
from .escape import clean, csv_cell, environment, front_matter, http_url, one_line
from .gallery import SORTS, SortKey, gallery_files, gallery_page, sort_bots
from .accounts_index import accounts_index_page
from .pages import Face, Images, _account_page, _bot_page, face, user_for
from .quality import write_quality
from .statistics import Cell, Section, write_statistics
from .writer import GENERATED, HANDLE_RE, Writer, account_path, bot_path, clear_generated

__all__ = [
    "CSV_FIELDS", "FEED_SIZE", "GENERATED", "HANDLE_RE", "SORTS", "Cell", "Face", "Images", "Section",
    "SortKey", "Writer", "account_path", "bot_path", "bots_csv", "bots_json", "clean", "clear_generated",
    "csv_cell", "environment", "face", "feed_json", "front_matter", "http_url", "one_line", "render_docs",
    "snapshot_date", "sort_bots", "user_for", "write_statistics",
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
) -> list[Path]:
    """Write every generated page and data file into ``docs_dir``; return the paths written.

    Files that already hold the same bytes are left alone, and generated
    files no longer produced are deleted; pass a ``writer`` to count them.

    ``trends``: each bot's recent nights (:func:`generator.history.load`), for
    the gallery's "Rising" sort and the bot pages' sparklines.

    ``snapshot_day``: the snapshot's date (:meth:`generator.snapshot.Snapshot.date`);
    by default the newest date in the data.

    ``bots`` must have valid, distinct names (the caller drops the others and
    reports them). Raises :class:`OutputCollisionError` when two bots or two
    accounts would share a path.
    """
    writer = writer or Writer(docs_dir)
    day = snapshot_day or snapshot_date(bots)
    trends = trends or {}
    rising = {name: t.rising for name, t in trends.items() if t.rising is not None}
    written = [
        writer.write(rel, text, owner="the gallery")
        for rel, text in gallery_files(bots, images=images, snapshot_date=day, rising=rising).items()
    ]
    for bot in bots:
        trend = trends.get(bot.name)
        page = _bot_page(bot, images=images, snapshot_date=day, spark=history.sparkline(trend) if trend else None)
        written.append(writer.write(bot_path(bot.name), page, owner=bot.id))
    by_handle = stats.accounts(bots)
    for handle, its_bots in by_handle.items():
        written.append(
            writer.write(account_path(handle), _account_page(handle, its_bots, images=images), owner=f"@{handle}")
        )
    written.append(writer.write("accounts/index.md", accounts_index_page(by_handle), owner="the account list"))
    written.append(writer.write("bots.json", bots_json(bots), owner="bots.json"))
    written.append(writer.write("bots.csv", bots_csv(bots), owner="bots.csv"))
    written.append(writer.write("feed.json", feed_json(bots, site_url=site_url), owner="feed.json"))
    written.extend(write_statistics(bots=bots, writer=writer, snapshot_date=day))
    written.append(write_quality(bots=bots, writer=writer, snapshot_date=day))
    writer.prune()  # pages of bots and accounts that are gone
    return written
