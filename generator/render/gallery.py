"""The gallery page: one card per bot, the filters with their counts, the sorts.

Everything a visitor sees before ``docs/assets/gallery.js`` runs is decided
here, so the script only ranks, filters and reorders: the controls, the
option counts and every card's figures are server-rendered, and the page
does not move when the script starts. The script reads each card's
``data-*`` attributes (see :func:`card`), so the two must agree on them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..models import ERA_LABELS, ERAS, Bot, parse_when
from .escape import clean, environment, front_matter
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
#: Cards laid out before "Show more" (gallery.js has the same PAGE).
PAGE = 120
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


def _timestamp(value: str | datetime | None) -> str:
    t = when(value)
    return "" if t is None else str(int(t))


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


def card(bot: Bot, *, images: Images, rising: Mapping[str, int], index: int) -> dict[str, Any]:
    """What the template writes for one bot."""
    n = n_accounts(bot)
    created = bot.created
    faces, more = card_faces(bot, images=images)
    return {
        "bot": bot,
        "search": search_words(bot),
        "year": created.year if created else "",
        "created": _timestamp(created),
        "updated": _timestamp(bot.hub.last_modified),
        "kept": bot.totals["tweets_kept"],
        "rising": rising.get(bot.name),
        "faces": faces,
        "more": more,
        # The band above the faces: the faces' own colours, so a cyborg's mixes its accounts'.
        "band": (faces[0].colour, faces[-1].colour),
        "eager": index < EAGER_IMAGES,
        "served": index < SERVED_IMAGES,
        "n": n,
        "accounts": "1 account" if n == 1 else f"{n} accounts",
        "say": opening_words(clean(first_sample(bot) or "") or None),
    }


def filters(bots: Sequence[Bot]) -> tuple[Filter, ...]:
    """The gallery's filters, each option with its count over all bots; options no bot has are left out."""
    kinds = Counter(b.kind for b in bots)
    ns = Counter(min(n_accounts(b), MANY_ACCOUNTS) for b in bots)
    eras = Counter(b.era for b in bots)
    years = Counter(b.created.year for b in bots if b.created)

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
) -> dict[str, Any]:
    """The template context of the gallery page.

    ``rising`` maps
    a bot to its gain in downloads over the last nights (from
    :mod:`generator.history`); without it, the "Rising" sort is not offered.
    """
    rising = dict(rising or {})
    default = SORTS[0][0]
    cards = [
        card(bot, images=images, rising=rising, index=i)
        for i, bot in enumerate(sort_bots(bots, key=default, rising=rising))
    ]
    sorts = [(k, label) for k, label in SORTS if k != "rising" or rising]
    return {
        "cards": cards,
        "total": len(bots),
        "filters": filters(bots),
        "sorts": sorts,
        "default_sort": default,
        "page": PAGE,
        "shown": min(PAGE, len(bots)),
        "snapshot_date": snapshot_date,
    }


def gallery_page(
    bots: Sequence[Bot], *, images: Images, snapshot_date: str | None, rising: Mapping[str, int] | None = None
) -> str:
    """``docs/index.md``: the gallery."""
    ctx = context(bots, images=images, snapshot_date=snapshot_date, rising=rising)
    meta = {"title": "Gallery", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("gallery.md.j2").render(ctx)
