"""Aggregates for the statistics page: pure functions over :class:`~generator.models.Bot` records.

Nothing here reads or writes files, so every figure on the page can be
checked in a test from a handful of hand-made records. Shares are fractions
of *tweets downloaded* (the card's own first row); a bot whose counts are
unknown (``None``) or zero is left out of a distribution rather than counted
as 0, so a broken table never drags a histogram down.

>>> from generator.models import Bot, User
>>> bot = Bot(id="huggingtweets/a", name="a", handles=("a",), kind="bot",
...           users=(User("a", "A", None, 100, 20, 10, 70),), era="2021-02-08", template=None,
...           thumbnail=None, thumbnail_date=None, widget_prompt=None, wandb_preprocess=None,
...           wandb_train=None)
>>> shares(bot)
Shares(kept=0.7, retweets=0.2, short=0.1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from .models import ERA_LABELS, ERAS, Bot

TopKey = Literal["downloads", "likes", "tweets_kept"]
#: Bots (or accounts) a "top" list names.
TOP_N = 20
#: Problem sentences the data-quality table names.
TOP_PROBLEMS = 10


@dataclass(frozen=True)
class Totals:
    """The headline numbers of the whole snapshot."""

    bots: int
    single: int
    cyborgs: int
    accounts: int
    #: Sums over the bots that state the value; ``None`` when not one does (unknown, not 0).
    tweets_downloaded: int | None
    tweets_kept: int | None
    downloads: int | None
    likes: int | None
    #: Bots whose Hub download count is known (the rest have no Hub metadata).
    with_downloads: int = 0
    with_samples: int = 0  # bots whose model has been run (samples.json)


@dataclass(frozen=True)
class Shares:
    """One bot's training data as fractions of the tweets downloaded."""

    kept: float
    retweets: float
    short: float


@dataclass(frozen=True)
class Quality:
    """How much of the snapshot the normaliser could read cleanly."""

    bots: int
    with_problems: int
    unknown_counts: int  # some count of some account unreadable
    unmapped_columns: int  # cyborg columns whose handle is unknown
    unknown_era: int
    no_hub_meta: int  # neither createdAt nor downloads from the Hub
    problems: tuple[tuple[str, int], ...]  # most frequent problem texts


def accounts(bots: Sequence[Bot]) -> dict[str, list[Bot]]:
    """Lower-cased handle -> the bots it appears in (from the repo ids), in input order."""
    out: dict[str, list[Bot]] = {}
    for bot in bots:
        for handle in dict.fromkeys(h.lower() for h in bot.handles):
            out.setdefault(handle, []).append(bot)
    return out


def totals(bots: Sequence[Bot]) -> Totals:
    """Counts and sums over the snapshot; unknown values count as nothing, and a
    sum of nothing but unknowns is unknown (``None``), never 0."""

    def total(get: Callable[[Bot], int | None]) -> int | None:
        known = [v for v in map(get, bots) if v is not None]
        return sum(known) if known else None

    cyborgs = sum(1 for b in bots if b.kind == "cyborg")
    return Totals(
        bots=len(bots),
        single=len(bots) - cyborgs,
        cyborgs=cyborgs,
        accounts=len(accounts(bots)),
        tweets_downloaded=total(lambda b: b.totals["tweets_downloaded"]),
        tweets_kept=total(lambda b: b.totals["tweets_kept"]),
        downloads=total(lambda b: b.hub.downloads),
        likes=total(lambda b: b.hub.likes),
        with_downloads=sum(1 for b in bots if b.hub.downloads is not None),
        with_samples=sum(1 for b in bots if b.samples),
    )


def share(part: int | None, whole: int | None) -> float | None:
    """``part`` as a fraction of ``whole``, or ``None`` when either is unknown or ``whole`` is 0.

    >>> share(70, 100), share(None, 100), share(0, 0)
    (0.7, None, None)
    """
    return part / whole if part is not None and whole else None


def shares_of(counts: Mapping[str, int | None]) -> Shares | None:
    """Kept, retweet and short shares of the tweets downloaded in ``counts`` (a user's or a bot's), or ``None``."""
    downloaded = counts["tweets_downloaded"]
    kept, retweets, short = (share(counts[k], downloaded) for k in ("tweets_kept", "retweets", "short_tweets"))
    if kept is None or retweets is None or short is None:
        return None
    return Shares(kept=kept, retweets=retweets, short=short)


def shares(bot: Bot) -> Shares | None:
    """Kept, retweet and short shares of the bot's tweets downloaded, or ``None`` if unknown."""
    return shares_of(bot.totals)


def per_month(bots: Sequence[Bot]) -> list[tuple[str, int]]:
    """Bots created per calendar month (``YYYY-MM``), every month from first to last, gaps as 0."""
    months = Counter(b.created.strftime("%Y-%m") for b in bots if b.created)
    if not months:
        return []
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:])
    out = []
    while (key := f"{y:04d}-{m:02d}") <= last:
        out.append((key, months.get(key, 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _top_value(bot: Bot, key: TopKey) -> int | None:
    if key == "tweets_kept":
        return bot.totals["tweets_kept"]
    return bot.hub.downloads if key == "downloads" else bot.hub.likes


def top(bots: Sequence[Bot], *, key: TopKey, n: int = TOP_N) -> list[tuple[Bot, int]]:
    """The ``n`` bots with the largest ``key`` (ties by name); bots without a value are left out."""
    ranked = [(b, v) for b in bots if (v := _top_value(b, key)) is not None]
    ranked.sort(key=lambda bv: (-bv[1], bv[0].name))
    return ranked[:n]


def cyborg_partners(bots: Sequence[Bot], *, n: int = TOP_N) -> list[tuple[str, int]]:
    """The accounts in the most cyborgs (ties by handle)."""
    counts = Counter(h for b in bots if b.kind == "cyborg" for h in dict.fromkeys(x.lower() for x in b.handles))
    return sorted(counts.items(), key=lambda hc: (-hc[1], hc[0]))[:n]


def eras(bots: Sequence[Bot]) -> list[tuple[str, int]]:
    """Bots per template era, oldest first, ``unknown`` last when present."""
    counts = Counter(b.era for b in bots)
    out = [(ERA_LABELS[e], counts.get(e, 0)) for e in ERAS]
    if counts.get("unknown"):
        out.append((ERA_LABELS["unknown"], counts["unknown"]))
    return out


def quality(bots: Sequence[Bot], *, n: int = TOP_PROBLEMS) -> Quality:
    """The data-quality summary: how many bots each kind of gap affects, and the commonest problems."""
    problems = Counter(p for b in bots for p in dict.fromkeys(b.problems))
    return Quality(
        bots=len(bots),
        with_problems=sum(1 for b in bots if b.problems),
        unknown_counts=sum(1 for b in bots if not b.users or any(v is None for v in b.totals.values())),
        unmapped_columns=sum(1 for b in bots if any(u.handle is None for u in b.users)),
        unknown_era=sum(1 for b in bots if b.era == "unknown"),
        no_hub_meta=sum(1 for b in bots if b.hub.created_at is None and b.hub.downloads is None),
        problems=tuple(sorted(problems.items(), key=lambda pc: (-pc[1], pc[0]))[:n]),
    )
