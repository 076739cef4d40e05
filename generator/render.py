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
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import jinja2
import yaml
from markupsafe import Markup

from . import snapshot, stats
from .errors import BuildError, OutputCollisionError
from .models import ERA_LABELS, ERAS, Bot, User

if TYPE_CHECKING:
    from .charts import Chart

#: A Twitter handle, the only thing besides a repo name that becomes a path.
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
#: What the generator owns inside ``docs/`` (also listed in .gitignore); the
#: image folders under ``img/`` are caches and are pruned, not wiped.
GENERATED = ("index.md", "bots", "accounts", "statistics", "bots.json", "bots.csv", "feed.json")
#: Gallery sort keys, the first is the default (and the server-rendered order).
SortKey = Literal["downloads", "likes", "newest", "updated", "kept", "name"]
SORTS: tuple[tuple[SortKey, str], ...] = (
    ("downloads", "Most downloaded"),
    ("likes", "Most liked"),
    ("newest", "Newest"),
    ("updated", "Recently updated"),
    ("kept", "Most tweets kept"),
    ("name", "Name"),
)
FEED_SIZE = 50
CSV_FIELDS = (
    "name", "id", "kind", "era", "template", "display_name", "handles", "accounts",
    "tweets_downloaded", "retweets", "short_tweets", "tweets_kept",
    "downloads", "likes", "created_at", "last_modified", "widget_prompt", "problems",
)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --- escaping and formatting --------------------------------------------------


def clean(value: str) -> str:
    """Drop control and bidi-override characters (keeps tab and newline).

    >>> clean("a\\x02b\\u202ec")
    'abc'
    """
    return _CONTROL.sub("", value)


def one_line(value: str) -> str:
    """``value`` cleaned, with every run of whitespace (newlines too) made one space.

    >>> one_line(" a\\n---\\n b ")
    'a --- b'
    """
    return " ".join(clean(value).split())


def http_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL, else ``None`` (no ``javascript:``, no relative).

    >>> http_url("https://wandb.ai/x"), http_url("javascript:alert(1)"), http_url("//evil")
    ('https://wandb.ai/x', None, None)
    """
    if not value or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _day(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return value[:10]


def _pystr(value: str) -> str:
    """A Python string literal (JSON's is one), on one line whatever the input."""
    return json.dumps(clean(value), ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment: autoescape everywhere, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.filters.update(num=_num, pct=_pct, day=_day, pystr=_pystr)
    return env


def front_matter(meta: Mapping[str, Any]) -> str:
    """YAML front matter; ``safe_dump`` quotes whatever needs it (``---``, ``:``, ``#``)."""
    return "---\n" + yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"


def csv_cell(value: Any) -> Any:
    """A CSV value; text a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``) gets a leading ``'``.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(3)
    ("'=HYPERLINK(1)", 3)
    """
    if isinstance(value, str):
        value = clean(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


# --- output paths ---------------------------------------------------------------


class Writer:
    """Writes files under ``docs_dir``, refusing two writes to one path.

    Pelican's habit: a silent overwrite hides a bug (two bots whose names
    differ only in case would share a URL on most file systems), so the
    second write raises :class:`OutputCollisionError` naming both owners.
    """

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self.owners: dict[str, str] = {}

    def claim(self, rel: str, *, owner: str) -> Path:
        """Reserve ``rel`` for ``owner`` (who writes it, e.g. a chart) and return its path."""
        key = rel.casefold()
        if key in self.owners:
            raise OutputCollisionError(
                f"{owner} and {self.owners[key]} would both write docs/{rel}; "
                "repo names and handles must differ in more than letter case"
            )
        self.owners[key] = owner
        path = self.docs_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, rel: str, data: str | bytes, *, owner: str) -> Path:
        path = self.claim(rel, owner=owner)
        if isinstance(data, str):
            data = data.encode("utf-8")
        path.write_bytes(data)
        return path


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


# --- what the templates get -------------------------------------------------------


@dataclass(frozen=True)
class Images:
    """Where each bot's images ended up, as paths relative to ``docs/`` (posix)."""

    thumbs: Mapping[str, str]  # bot name -> full-size 1200x630 PNG
    small: Mapping[str, str]  # bot name -> gallery-size variant
    avatars: Mapping[str, str]  # avatar URL -> cached image copy


@dataclass(frozen=True)
class Face:
    """An avatar: a copied image, or initials on a colour (never a remote URL)."""

    src: str | None
    initials: str
    colour: str


def face(user: User | None, *, handle: str | None, images: Images) -> Face:
    """The face to show for ``user`` (or a bare handle)."""
    # The thumbnail's own initials and colour, so a face looks the same on the page and the card.
    from .thumbnails import initials_avatar

    src = images.avatars.get(user.avatar) if user and user.avatar else None
    initials, colour = initials_avatar(user.name if user else None, (user.handle if user else None) or handle)
    return Face(src=src, initials=initials, colour=colour)


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _row(label: str, slug: str | None, counts: Mapping[str, int | None], *, total: bool = False) -> dict[str, Any]:
    d = counts["tweets_downloaded"]
    return {
        "label": label,
        "slug": slug,
        "total": total,
        "downloaded": d,
        "retweets": counts["retweets"],
        "short": counts["short_tweets"],
        "kept": counts["tweets_kept"],
        "kept_share": _share(counts["tweets_kept"], d),
        "retweet_share": _share(counts["retweets"], d),
        "short_share": _share(counts["short_tweets"], d),
    }


def user_for(bot: Bot, handle: str) -> User | None:
    """The table column of ``handle`` in ``bot``, or ``None`` when the card cannot tell."""
    for user in bot.users:
        if user.handle and user.handle.lower() == handle.lower():
            return user
    if bot.kind == "bot" and len(bot.users) == 1:
        return bot.users[0]
    return None


def _user_label(user: User, index: int) -> str:
    return user.name or (f"@{user.handle}" if user.handle else f"account {index + 1}")


def _bot_page(bot: Bot, *, images: Images, snapshot_date: str | None) -> str:
    handles = []
    for h in bot.handles:
        user = user_for(bot, h)
        handles.append({"handle": h, "slug": h.lower(), "names": [user.name] if user and user.name else []})
    rows = [
        _row(_user_label(u, i), u.handle.lower() if u.handle and HANDLE_RE.fullmatch(u.handle) else None, u.counts())
        for i, u in enumerate(bot.users)
    ]
    if len(rows) > 1:
        rows.append(_row("Total", None, bot.totals, total=True))
    wandb = [
        (label, safe)
        for label, raw in (("Data preprocessing run", bot.wandb_preprocess), ("Training run", bot.wandb_train))
        if (safe := http_url(raw))
    ]
    faces = [face(u, handle=None, images=images) for u in bot.users] or [face(None, handle=bot.name, images=images)]
    context = {
        "root": "../../",
        "bot": bot,
        "faces": faces,
        "handles": handles,
        "rows": rows,
        "thumb": images.thumbs.get(bot.name),
        "hub_url": f"https://huggingface.co/{snapshot.AUTHOR}/{bot.name}",
        "wandb": wandb,
        "prompt": bot.widget_prompt or "My dream is",
        "created": bot.created,
        "era_label": ERA_LABELS.get(bot.era, bot.era),
        "snapshot_date": snapshot_date,
    }
    kept = bot.totals["tweets_kept"]
    who = ", ".join(f"@{h}" for h in bot.handles)
    meta: dict[str, Any] = {
        "title": bot.name,
        "description": f"A GPT-2 {bot.kind} trained on the tweets of {who}"
        + (f" ({kept:,} tweets kept)." if kept is not None else "."),
        # Material prints the first two unescaped; ours are escaped by overrides/main.html.
        "og_title": f"{one_line(bot.display_name)} (@{bot.name})",
        "hide": ["navigation", "toc"],
    }
    if bot.name in images.thumbs:
        meta["og_image"] = images.thumbs[bot.name]
    return front_matter(meta) + environment().get_template("bot.md.j2").render(context)


def _account_page(handle: str, bots: Sequence[Bot], *, images: Images) -> str:
    rows = []
    names: dict[str, None] = {}
    first_user: User | None = None
    for bot in bots:
        user = user_for(bot, handle)
        if user:
            first_user = first_user or user
            if user.name:
                names.setdefault(user.name)
        rows.append({"bot": bot, "user": user, "shares": _user_shares(user) if user else None})
    context = {
        "root": "../../",
        "handle": handle,
        "names": list(names),
        "rows": rows,
        "account_face": face(first_user, handle=handle, images=images),
    }
    meta = {"title": f"@{handle}", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("account.md.j2").render(context)


def _user_shares(user: User) -> stats.Shares | None:
    d = user.tweets_downloaded
    if not d or user.tweets_kept is None or user.retweets is None or user.short_tweets is None:
        return None
    return stats.Shares(kept=user.tweets_kept / d, retweets=user.retweets / d, short=user.short_tweets / d)


def _when(value: str | datetime | None) -> float | None:
    """Seconds since the epoch of an ISO date-time (the Hub's ``...Z`` form too), else ``None``."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value.timestamp() if value else None


def _timestamp(value: str | datetime | None) -> str:
    when = _when(value)
    return "" if when is None else str(int(when))


def sort_bots(bots: Sequence[Bot], *, key: SortKey) -> list[Bot]:
    """The gallery order for ``key`` (the JavaScript sorts the same way): missing values last, ties by name."""

    if key == "name":
        return sorted(bots, key=lambda b: b.name.lower())

    def value(bot: Bot) -> float | None:
        if key == "downloads":
            return bot.hub.downloads
        if key == "likes":
            return bot.hub.likes
        if key == "kept":
            return bot.totals["tweets_kept"]
        return _when(bot.created if key == "newest" else bot.hub.last_modified)
    keyed = [(value(b), b) for b in bots]
    return [b for v, b in sorted(keyed, key=lambda vb: (vb[0] is None, -(vb[0] or 0), vb[1].name.lower()))]


def _gallery(bots: Sequence[Bot], *, images: Images, snapshot_date: str | None) -> str:
    cards = []
    for bot in sort_bots(bots, key=SORTS[0][0]):
        words = [bot.name, bot.display_name, *bot.handles, *(u.name for u in bot.users if u.name)]
        n = len(bot.users) or len(bot.handles)
        cards.append(
            {
                "bot": bot,
                "search": " ".join(dict.fromkeys(clean(w) for w in words)),
                "year": bot.created.year if bot.created else "",
                "created": _timestamp(bot.created),
                "updated": _timestamp(bot.hub.last_modified),
                "kept": bot.totals["tweets_kept"],
                "small": images.small.get(bot.name),
                "n": n,
                "accounts": "1 account" if n == 1 else f"{n} accounts",
            }
        )
    years = sorted({c["year"] for c in cards if c["year"]}, reverse=True)
    context = {
        "cards": cards,
        "total": len(bots),
        "eras": [(e, ERA_LABELS[e]) for e in (*ERAS, "unknown") if any(b.era == e for b in bots)],
        "years": years,
        "sorts": SORTS,
        "snapshot_date": snapshot_date,
    }
    meta = {"title": "Gallery", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("gallery.md.j2").render(context)


def _accounts_index(by_handle: Mapping[str, Sequence[Bot]]) -> str:
    accounts = [
        {"handle": h, "bots": "1 bot" if len(bs) == 1 else f"{len(bs)} bots"}
        for h, bs in sorted(by_handle.items(), key=lambda hb: (-len(hb[1]), hb[0]))
    ]
    meta = {"title": "Accounts", "search": {"exclude": True}, "hide": ["toc"]}
    return front_matter(meta) + environment().get_template("accounts.md.j2").render(accounts=accounts)


# --- data files -------------------------------------------------------------------


def bots_json(bots: Sequence[Bot]) -> str:
    """``bots.json``: the list of :meth:`Bot.to_dict` records (JSON-escaped by ``json.dumps``)."""
    return json.dumps([b.to_dict() for b in bots], ensure_ascii=False, separators=(",", ":")) + "\n"


def bots_csv(bots: Sequence[Bot]) -> str:
    """``bots.csv``: one row per bot, the columns of :data:`CSV_FIELDS`."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for b in bots:
        t = b.totals
        row = [
            b.name, b.id, b.kind, b.era, b.template, b.display_name, " ".join(b.handles), len(b.users),
            t["tweets_downloaded"], t["retweets"], t["short_tweets"], t["tweets_kept"],
            b.hub.downloads, b.hub.likes, b.hub.created_at, b.hub.last_modified, b.widget_prompt,
            "; ".join(b.problems),
        ]  # fmt: skip
        w.writerow([csv_cell("" if v is None else v) for v in row])
    return out.getvalue()


def feed_json(bots: Sequence[Bot], *, site_url: str) -> str:
    """A JSON Feed 1.1 of the newest bots; URLs are absolute when ``site_url`` is known."""
    newest = sort_bots([b for b in bots if b.created], key="newest")[:FEED_SIZE]
    feed: dict[str, Any] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "huggingtweets gallery: newest bots",
        "home_page_url": site_url or "./",
        "feed_url": f"{site_url}feed.json",
        "items": [
            {
                "id": b.id,
                "url": f"{site_url}bots/{b.name}/",
                "title": clean(b.display_name),
                "content_text": f"{clean(b.display_name)} (@{b.name}): a GPT-2 {b.kind} trained on the tweets of "
                + ", ".join(f"@{h}" for h in b.handles)
                + ".",
                "date_published": b.created.isoformat().replace("+00:00", "Z") if b.created else None,
                "tags": [b.kind],
            }
            for b in newest
        ],
    }
    if not site_url:
        del feed["feed_url"]
    return json.dumps(feed, ensure_ascii=False, indent=1) + "\n"


# --- the whole tree -----------------------------------------------------------------


def snapshot_date(bots: Sequence[Bot]) -> str | None:
    """The newest date the snapshot knows of (Hub last-modified, created, thumbnail), as ``YYYY-MM-DD``.

    Taken from the data rather than the clock, so the same cards build the same pages.
    """
    dates = [
        v[:10]
        for b in bots
        for v in (b.hub.last_modified, b.hub.created_at, b.thumbnail_date)
        if v and re.match(r"\d{4}-\d{2}-\d{2}", v)
    ]
    return max(dates) if dates else None


def render_docs(
    *,
    bots: Sequence[Bot],
    docs_dir: Path,
    images: Images,
    site_url: str = "",
    snapshot_day: str | None = None,
) -> list[Path]:
    """Write every generated page and data file into ``docs_dir``; return the paths written.

    ``snapshot_day``: the snapshot's date (:func:`generator.snapshot.snapshot_date`);
    by default the newest date in the data.

    ``bots`` must have valid, distinct names (the caller drops the others and
    reports them). Raises :class:`OutputCollisionError` when two bots or two
    accounts would share a path.
    """
    clear_generated(docs_dir)
    writer = Writer(docs_dir)
    day = snapshot_day or snapshot_date(bots)
    written = [writer.write("index.md", _gallery(bots, images=images, snapshot_date=day), owner="the gallery")]
    for bot in bots:
        written.append(writer.write(bot_path(bot.name), _bot_page(bot, images=images, snapshot_date=day), owner=bot.id))
    by_handle = stats.accounts(bots)
    for handle, its_bots in by_handle.items():
        written.append(
            writer.write(account_path(handle), _account_page(handle, its_bots, images=images), owner=f"@{handle}")
        )
    written.append(writer.write("accounts/index.md", _accounts_index(by_handle), owner="the account list"))
    written.append(writer.write("bots.json", bots_json(bots), owner="bots.json"))
    written.append(writer.write("bots.csv", bots_csv(bots), owner="bots.csv"))
    written.append(writer.write("feed.json", feed_json(bots, site_url=site_url), owner="feed.json"))
    written.extend(write_statistics(bots=bots, writer=writer, snapshot_date=day))
    return written


# --- statistics ---------------------------------------------------------------------


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


def _chart_section(chart: Chart, *, sid: str, label_header: str, link: str | None = None, note: str = "") -> Section:
    """A section whose table is exactly what ``chart`` drew (``charts.Chart.rows``)."""
    rows = tuple(
        (Cell(label, f"../{link}/{label.lstrip('@')}/" if link else None), Cell(_num(round(value))))
        for label, value in chart.rows
    )
    return Section(sid, chart.title, f"{sid}.svg", (label_header, chart.value_header.capitalize()), rows, note)


def _table_section(sid: str, title: str, headers: tuple[str, str], items: Sequence[tuple[str, int]], note: str) -> Section:
    return Section(sid, title, None, headers, tuple((Cell(k), Cell(_num(v))) for k, v in items), note)


def write_statistics(*, bots: Sequence[Bot], writer: Writer, snapshot_date: str | None) -> list[Path]:
    """Draw the statistics charts (SVG) and write ``statistics/index.md`` with a table per chart."""
    from . import charts

    def svg(sid: str) -> Path:
        return writer.claim(f"statistics/{sid}.svg", owner=f"the {sid} chart")

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
    ]
    sections: list[Section] = []
    kept = [v for b in bots if (v := b.totals["tweets_kept"]) is not None]
    shares = [s for b in bots if (s := stats.shares(b))]
    readable = f"{len(kept):,} bots with readable counts."
    if kept:
        step = 500
        edges = [i * step for i in range(max(1, -(-max(kept) // step)) + 1)]
        chart = charts.histogram(out=svg("tweets-kept"), title="Tweets kept per bot", values=kept, bins=edges,
                                 xlabel="Tweets kept")  # fmt: skip
        sections.append(_chart_section(chart, sid="tweets-kept", label_header="Tweets kept", note=readable))
    pct_edges = list(range(0, 101, 10))
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
        bars(f"top-{key.replace('_', '-')}", f"Top 20 by {label}", top, xlabel=label, header="Bot", link="bots")
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
    page = environment().get_template("statistics.md.j2").render(
        totals=totals, sections=sections, snapshot_date=snapshot_date
    )
    meta = {"title": "Statistics", "search": {"exclude": True}, "hide": ["navigation"]}
    path = writer.write("statistics/index.md", front_matter(meta) + page, owner="the statistics page")
    return [path, *sorted((writer.docs_dir / "statistics").glob("*.svg"))]
