"""The gallery page: the first cards, the filters with their counts, the sorts; its data file; its list pages.

Everything a visitor sees before ``docs/assets/gallery.js`` runs is decided
here: the controls, the option counts and the first :data:`SERVED_CARDS`
cards of the default sort are server-rendered, so the page does not move
when the script starts. Every bot, those first ones included, is in the
data file :data:`DATA_FILE` (:func:`gallery_data`: one column per field the
cards and filters need), which the script fetches and builds the other cards
from, exactly as the template writes them (the two must agree: a browser
test compares them). Without JavaScript every bot is still reachable: the
gallery links plain-HTML pages of :data:`LIST_PAGE` bots each
(``all/<k>/``, :func:`list_pages`).
"""

from __future__ import annotations

import hashlib
import json
import math
import posixpath
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from ..faces import INITIALS_COLOURS
from ..models import ERA_LABELS, ERAS, Bot, parse_when
from .escape import clean, environment, front_matter, one_line
from .pages import Face, Images, face

#: Gallery sort keys; the first is the default (and the server-rendered order).
SortKey = Literal["downloads", "rising", "likes", "newest", "updated", "kept", "name"]
SORTS: tuple[tuple[SortKey, str], ...] = (
    ("downloads", "Most downloaded"),
    ("rising", "Rising (7 nights)"),
    ("likes", "Most liked"),
    ("newest", "Newest"),
    ("updated", "Recently updated"),
    ("kept", "Most tweets kept"),
    ("name", "Name"),
)
#: Cards laid out before "Show more" (the script reads it from the page). Each
#: keystroke lays out this many cards again, so it is what a screen or two
#: holds (20 in the picture grid, 44 in the List view at 1366x900), not more.
PAGE = 60
#: Cards in the page as served: the default sort's first page. The script
#: builds the others from :data:`DATA_FILE` when it shows them.
SERVED_CARDS = PAGE
#: The data file of every bot, fetched by the script (beside ``index.md``).
DATA_FILE = "gallery.json"
#: What the cards show beyond the data file (:func:`extras_data`): the opening words of what
#: each bot says and the paths of its faces' avatars. At 20,000 bots they would more than
#: double the data file, and the first cards, in the page, have them already: the script
#: fetches this file when it first shows a card the page did not have.
EXTRAS_FILE = "gallery-extras.json"
#: Bumped when the data file's columns change, so an old script never misreads a new file.
DATA_VERSION = 2
#: Seconds in a day: the data file gives dates as whole days since 1970-01-01 (UTC), all a card shows.
DAY = 86400
#: Bots on each plain-HTML list page, ``LIST_DIR/<k>/`` (every bot without JavaScript).
LIST_PAGE = 500
LIST_DIR = "all"
#: The card-template filter's values, in the data file's ``e`` column by position.
ERA_VALUES: tuple[str, ...] = (*ERAS, "unknown")
KINDS: tuple[str, ...] = ("bot", "cyborg")
#: Cards whose avatars load at once; the rest are ``loading="lazy"``.
EAGER_IMAGES = 12
#: Cards whose avatars are in the page as served. Browsers load every image at
#: once when JavaScript is off (lazy loading is off with it, by the HTML
#: standard), so the other cards carry only ``data-src``, which gallery.js
#: turns into a lazily loaded ``src`` as it shows them; without JavaScript
#: they show the initials every face has under its picture.
SERVED_IMAGES = 24
#: Faces on a card; a cyborg of more accounts shows this many and "+N".
CARD_FACES = 3
#: At most this many characters of a bot's first sample on its card.
SAY_CHARS = 90
#: The "Accounts" filter's last option takes this many accounts or more.
MANY_ACCOUNTS = 4
#: What the "Card template" filter means, shown beside it.
TEMPLATE_HELP = (
    "huggingtweets changed its model card several times; each bot's card follows the template "
    "of the time it was made"
)


@dataclass(frozen=True)
class Option:
    """One option of a filter: its value, its label and how many bots it gives."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Filter:
    name: str  # the form field and URL parameter
    label: str
    any_label: str
    options: tuple[Option, ...]
    help: str | None = None


def when(value: str | datetime | None) -> float | None:
    """Seconds since the epoch of an ISO date-time (:func:`generator.models.parse_when`), else ``None``."""
    parsed = parse_when(value)
    return parsed.timestamp() if parsed else None


def sort_value(bot: Bot, key: SortKey, *, rising: Mapping[str, int] | None = None) -> float | None:
    """The figure ``key`` sorts by (larger first), ``None`` when unknown."""
    if key == "downloads":
        return bot.hub.downloads
    if key == "likes":
        return bot.hub.likes
    if key == "kept":
        return bot.totals["tweets_kept"]
    if key == "rising":
        return (rising or {}).get(bot.name)
    if key == "newest":
        return when(bot.created)
    return when(bot.hub.last_modified)


def sort_bots(bots: Sequence[Bot], *, key: SortKey, rising: Mapping[str, int] | None = None) -> list[Bot]:
    """The gallery order for ``key`` (the JavaScript sorts the same way): missing values last, ties by name."""
    if key == "name":
        return sorted(bots, key=lambda b: b.name.lower())
    keyed = [(sort_value(b, key, rising=rising), b) for b in bots]
    return [b for v, b in sorted(keyed, key=lambda vb: (vb[0] is None, -(vb[0] or 0), vb[1].name.lower()))]


def opening_words(text: str | None, *, limit: int = SAY_CHARS) -> str | None:
    """The start of a generated sample, cut at a word boundary within ``limit`` characters.

    >>> opening_words("My dream is to own a small boat and sail it around the world with my cat", limit=30)
    'My dream is to own a small…'
    """
    if not text:
        return None
    flat = re.sub(r"\s+", " ", text).strip()
    if not flat:
        return None
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:") + "…"


def first_sample(bot: Bot) -> str | None:
    """What the bot says, from the predict stage's samples on its record: the prompt and the chosen continuation.

    ``bot.samples`` is a :class:`generator.models.Samples` (``prompt``, the
    continuation ``chosen`` of its ``texts``) once the predict stage has run
    the bot's model, else absent or ``None``; then the card shows nothing.
    """
    samples = getattr(bot, "samples", None)
    if not samples:
        return None
    chosen = getattr(samples, "chosen", None)
    if chosen is None:
        texts = getattr(samples, "texts", ())
        chosen = next((t for t in texts if isinstance(t, str) and t.strip()), None)
    if not isinstance(chosen, str) or not chosen.strip():
        return None
    prompt = getattr(samples, "prompt", None)
    return f"{prompt}{chosen}" if isinstance(prompt, str) and prompt else chosen


def n_accounts(bot: Bot) -> int:
    return len(bot.users) or len(bot.handles)


def search_words(bot: Bot) -> str:
    """The words a card is found by: its name, display name, handles and every account's name."""
    words = [bot.name, bot.display_name, *bot.handles, *(u.name for u in bot.users if u.name)]
    return " ".join(dict.fromkeys(clean(w) for w in words))


def card_faces(bot: Bot, *, images: Images) -> tuple[list[Face], int]:
    """The faces a card shows (at most :data:`CARD_FACES`) and how many more accounts the bot has."""
    if bot.users:
        faces = [face(u, handle=None, images=images) for u in bot.users[:CARD_FACES]]
    else:
        faces = [face(None, handle=h, images=images) for h in (bot.handles or (bot.name,))[:CARD_FACES]]
    return faces, max(0, n_accounts(bot) - len(faces))


def derived_search(name: str, display: str) -> str:
    """The search words the script derives from a card's name and display name (gallery.js ``searchText``).

    The data file carries a bot's words only when they differ from these.

    >>> derived_search("dril-ye", "lexi & ye")
    'dril-ye lexi & ye dril ye lexi'
    """
    parts = [name, display, *name.split("-"), *(display.split(" & ") if display != name else [])]
    return " ".join(dict.fromkeys(parts))


def card(bot: Bot, *, images: Images, rising: Mapping[str, int]) -> dict[str, Any]:
    """One bot as the cards and filters need it: what the template writes and the data file holds."""
    n = n_accounts(bot)
    created = bot.created
    faces, more = card_faces(bot, images=images)
    display = one_line(bot.display_name)  # no line break: a blank line would end the raw HTML block
    search = search_words(bot)
    return {
        "name": bot.name,
        "display": display,
        "search": search,
        "derived": search == derived_search(bot.name, display),
        "kind": bot.kind,
        "n": n,
        "era": bot.era,
        "year": created.astimezone(timezone.utc).year if created else None,  # the year of the UTC day the script derives
        "d": bot.hub.downloads,
        "l": bot.hub.likes,
        "c": _seconds(created),
        "u": _seconds(bot.hub.last_modified),
        "t": bot.totals["tweets_kept"],
        "r": rising.get(bot.name),
        "faces": faces,
        "more": more,
        # The band above the faces: the faces' own colours, so a cyborg's mixes its accounts'.
        "band": (faces[0].colour, faces[-1].colour),
        "say": opening_words(clean(first_sample(bot) or "") or None),
        # The date every card shows, as the Hub's list does: when the model was last updated there.
        "updated": short_date(day(_seconds(bot.hub.last_modified))),
        "updated_iso": iso_day(day(_seconds(bot.hub.last_modified))),
    }


def _seconds(value: str | datetime | None) -> int | None:
    t = when(value)
    return None if t is None else int(t)


def day(seconds: int | None) -> int | None:
    """Whole days since 1970-01-01 (UTC) of a time in seconds since the epoch, as the data file gives dates.

    >>> day(86400 * 3 + 5), day(None)
    (3, None)
    """
    return None if seconds is None else seconds // DAY


#: Month names of :func:`short_date`, fixed (a locale's would differ between machines, and
#: between Python and the browser: en-GB writes September "Sept").
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(days: int | None) -> str | None:
    """A card's date, written the same by the template and by gallery.js (``shortDate``): day, month, year (UTC).

    An absolute date, not "3 days ago": the page is built once and served for months, so a
    relative date would go wrong as it ages, and would differ between builds of the same snapshot.

    >>> short_date(19063), short_date(None)
    ('12 Mar 2022', None)
    """
    if days is None:
        return None
    d = datetime.fromtimestamp(days * DAY, tz=timezone.utc)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def iso_day(days: int | None) -> str | None:
    """``YYYY-MM-DD`` of whole days since 1970-01-01 (a ``<time>``'s ``datetime``).

    >>> iso_day(19063)
    '2022-03-12'
    """
    return None if days is None else datetime.fromtimestamp(days * DAY, tz=timezone.utc).strftime("%Y-%m-%d")


def face_code(f: Face) -> str:
    """One face as the data file writes it: its colour (a hex digit: its place in ``INITIALS_COLOURS``), then its initials.

    Initials never hold a space (letters, or a handle's first character), so a card's faces join with spaces.

    >>> face_code(Face(src=None, initials="DH", colour=INITIALS_COLOURS[10]))
    'aDH'
    """
    return f"{INITIALS_COLOURS.index(f.colour):x}{f.initials}"


def gallery_data(cards: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The data file: one column per field, the bots in the default sort's order.

    ``name``, ``dn`` (display name, ``""`` when it is the name), ``s`` (search
    words, ``null`` when :func:`derived_search` gives them), ``k`` and ``e``
    (positions in ``kinds`` and ``eras``), ``n`` (accounts), ``d`` downloads,
    ``l`` likes, ``c`` created and ``u`` updated (:func:`day`; the year filter
    is the year of ``c``), ``t`` tweets kept, ``r`` rise, ``f`` (faces,
    :func:`face_code`); ``null`` where a figure is unknown. ``extras`` is the
    URL of :data:`EXTRAS_FILE`, ``null`` when no card has anything more. Every
    byte counts: at 20,000 bots this file is most of what the gallery fetches.
    """
    return {
        "v": DATA_VERSION,
        "kinds": list(KINDS),
        "eras": list(ERA_VALUES),
        "colours": list(INITIALS_COLOURS),
        "name": [c["name"] for c in cards],
        "dn": ["" if c["display"] == c["name"] else c["display"] for c in cards],
        "s": [None if c["derived"] else c["search"] for c in cards],
        "k": [KINDS.index(c["kind"]) for c in cards],
        "e": [ERA_VALUES.index(c["era"]) if c["era"] in ERA_VALUES else ERA_VALUES.index("unknown") for c in cards],
        "n": [c["n"] for c in cards],
        **{key: [c[key] for c in cards] for key in ("d", "l")},
        **{key: [day(c[key]) for c in cards] for key in ("c", "u")},
        **{key: [c[key] for c in cards] for key in ("t", "r")},
        "extras": None,
        "f": [" ".join(face_code(f) for f in c["faces"]) for c in cards],
    }


def extras_data(cards: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """:data:`EXTRAS_FILE`, in the data file's order, or ``None`` when no card has anything more to show.

    ``say``: each bot's opening words (``null``: it says nothing); ``a``: its
    faces' avatars, space-separated, each the path after ``avatars`` (the
    folder they share) or ``-`` for a face without one, ``null`` when none has one.
    """
    srcs = [f.src for c in cards for f in c["faces"] if f.src]
    if not srcs and not any(c["say"] for c in cards):
        return None
    shared = posixpath.commonprefix(srcs)
    folder = shared[: shared.rfind("/") + 1]  # "img/avatars/", written once

    def avatars(c: Mapping[str, Any]) -> str | None:
        if not any(f.src for f in c["faces"]):
            return None
        return " ".join(f.src[len(folder) :] if f.src else "-" for f in c["faces"])

    return {"v": DATA_VERSION, "avatars": folder, "say": [c["say"] for c in cards], "a": [avatars(c) for c in cards]}


def filters(bots: Sequence[Bot]) -> tuple[Filter, ...]:
    """The gallery's filters, each option with its count over all bots; options no bot has are left out."""
    kinds = Counter(b.kind for b in bots)
    ns = Counter(min(n_accounts(b), MANY_ACCOUNTS) for b in bots)
    eras = Counter(b.era for b in bots)
    years = Counter(b.created.astimezone(timezone.utc).year for b in bots if b.created)

    def opts(items: Sequence[tuple[str, str]], counts: Mapping[Any, int], key=lambda v: v) -> tuple[Option, ...]:
        return tuple(Option(v, label, counts[key(v)]) for v, label in items if counts.get(key(v)))

    n_items = [(str(i), str(i)) for i in range(1, MANY_ACCOUNTS)] + [(str(MANY_ACCOUNTS), f"{MANY_ACCOUNTS} or more")]
    return (
        Filter("kind", "Kind", "All", opts([("bot", "Bots"), ("cyborg", "Cyborgs")], kinds)),
        Filter("n", "Accounts", "Any", opts(n_items, ns, key=int)),
        Filter("era", "Card template", "Any",
               opts([(e, ERA_LABELS[e]) for e in (*ERAS, "unknown")], eras), help=TEMPLATE_HELP),  # fmt: skip
        Filter("year", "Year", "Any", opts([(str(y), str(y)) for y in sorted(years, reverse=True)], years, key=int)),
    )


def context(
    bots: Sequence[Bot],
    *,
    images: Images,
    snapshot_date: str | None,
    rising: Mapping[str, int] | None = None,
    data_url: str = DATA_FILE,
    list_page: int = LIST_PAGE,
) -> dict[str, Any]:
    """The template context of the gallery page, with every card (``all_cards``) in the default order.

    ``rising`` maps a bot to its gain in downloads over the last nights (from
    :mod:`generator.history`); without it, the "Rising" sort is not offered.
    """
    rising = dict(rising or {})
    default = SORTS[0][0]
    cards = [card(bot, images=images, rising=rising) for bot in sort_bots(bots, key=default, rising=rising)]
    for i, c in enumerate(cards[:SERVED_CARDS]):
        c["served"], c["eager"] = i < SERVED_IMAGES, i < EAGER_IMAGES
    sorts = [(k, label) for k, label in SORTS if k != "rising" or rising]
    return {
        "all_cards": cards,
        "cards": cards[:SERVED_CARDS],
        "total": len(bots),
        "filters": filters(bots),
        "sorts": sorts,
        "default_sort": default,
        "page": PAGE,
        "shown": min(PAGE, len(bots)),
        # Cards make room for the opening words of what a bot says only when some bot has them.
        "says": any(c["say"] for c in cards),
        "snapshot_date": snapshot_date,
        "data_url": data_url,
        "list_pages": list(range(1, math.ceil(len(bots) / list_page) + 1)),
        "list_page": list_page,
        "list_dir": LIST_DIR,
    }


def gallery_page(
    bots: Sequence[Bot], *, images: Images, snapshot_date: str | None, rising: Mapping[str, int] | None = None
) -> str:
    """``docs/index.md``: the gallery (see :func:`gallery_files` for it and its data and list pages)."""
    return gallery_files(bots, images=images, snapshot_date=snapshot_date, rising=rising)["index.md"]


def _page(ctx: Mapping[str, Any]) -> str:
    meta = {"title": "Gallery", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("gallery.md.j2").render(ctx)


def list_pages(
    cards: Sequence[Mapping[str, Any]], *, per_page: int = LIST_PAGE
) -> dict[str, str]:
    """``all/<k>.md``: every bot, ``per_page`` a page, in the gallery's default order, as plain links."""
    pages = max(1, math.ceil(len(cards) / per_page))
    template = environment().get_template("gallery_list.md.j2")
    out = {}
    for k in range(1, pages + 1):
        chunk = cards[(k - 1) * per_page : k * per_page]
        meta = {"title": f"All bots, page {k} of {pages}", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
        out[f"{LIST_DIR}/{k}.md"] = front_matter(meta) + template.render(
            cards=chunk, k=k, pages=pages, first=(k - 1) * per_page + 1, total=len(cards), per_page=per_page
        )
    return out


def gallery_files(
    bots: Sequence[Bot],
    *,
    images: Images,
    snapshot_date: str | None,
    rising: Mapping[str, int] | None = None,
    list_page: int = LIST_PAGE,
) -> dict[str, str]:
    """Every file of the gallery, path under ``docs/`` -> text: ``index.md``, :data:`DATA_FILE`, :data:`EXTRAS_FILE`
    (when some card has more to show) and the list pages.

    The page asks for the data file by a URL that changes with its bytes, so
    a browser never pairs a new page with an old cached file.
    """
    ctx = context(bots, images=images, snapshot_date=snapshot_date, rising=rising, list_page=list_page)
    out: dict[str, str] = {}
    data = gallery_data(ctx["all_cards"])
    extras = extras_data(ctx["all_cards"])
    if extras is not None:
        text = _json(extras)
        data["extras"] = _versioned(EXTRAS_FILE, text)
        out[EXTRAS_FILE] = text + "\n"
    text = _json(data)
    ctx["data_url"] = _versioned(DATA_FILE, text)
    return {"index.md": _page(ctx), DATA_FILE: text + "\n", **out, **list_pages(ctx["all_cards"], per_page=list_page)}


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _versioned(path: str, text: str) -> str:
    """``path`` with a hash of ``text``: a browser never pairs a new file with an old cached one."""
    return f"{path}?v={hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"
