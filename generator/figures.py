"""What a bot page leads with: its key figures and the samples it generated.

Kept apart from the page templates so the rules are testable on a bare
:class:`~generator.models.Bot`: a figure the Hub or the card did not give is
*unknown*, never 0 (a bot with no Hub metadata has not been downloaded zero
times; we just do not know), and at most :data:`MAX_SAMPLES_SHOWN` samples
are shown, however many the snapshot holds.

>>> from generator.models import Bot
>>> bot = Bot(id="huggingtweets/a", name="a", handles=("a",), kind="bot", users=(), era="unknown",
...           template=None, thumbnail=None, thumbnail_date=None, widget_prompt=None,
...           wandb_preprocess=None, wandb_train=None)
>>> [(label, value) for label, value, _ in key_figures(bot)][:2]
[('Downloads', 'unknown'), ('Likes', 'unknown')]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Bot

#: Samples a bot page shows (the snapshot may hold more).
MAX_SAMPLES_SHOWN = 3
#: Characters of one sample shown on a page; the rest is cut at a word with "…".
MAX_SAMPLE_CHARS = 600
#: What the pages say for a figure nobody told us.
UNKNOWN = "unknown"


def _count(value: int | None) -> tuple[str, bool]:
    return (UNKNOWN, True) if value is None else (f"{value:,}", False)


def _day(value: str | datetime | None) -> tuple[str, bool]:
    if value is None:
        return UNKNOWN, True
    return (value.strftime("%Y-%m-%d") if isinstance(value, datetime) else value[:10]), False


def key_figures(bot: Bot) -> list[tuple[str, str, bool]]:
    """``(label, shown value, unknown?)`` for downloads, likes, created, updated and tweets kept."""
    return [
        ("Downloads", *_count(bot.hub.downloads)),
        ("Likes", *_count(bot.hub.likes)),
        ("Created", *_day(bot.created)),
        ("Updated", *_day(bot.hub.last_modified)),
        ("Tweets kept", *_count(bot.totals["tweets_kept"])),
    ]


def _text(sample: Any) -> str:
    """A sample's text, whether the record holds plain strings or objects with ``.text``."""
    text = sample if isinstance(sample, str) else getattr(sample, "text", None)
    return text if isinstance(text, str) else ""


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    return (head.rsplit(" ", 1)[0] if " " in head[limit // 2 :] else head).rstrip() + "…"


def samples_shown(bot: Bot) -> list[str]:
    """The bot's generated samples to show (first :data:`MAX_SAMPLES_SHOWN` non-empty, each cut to
    :data:`MAX_SAMPLE_CHARS`), or ``[]`` when the record has none (then the page shows no section).

    >>> class WithSamples:  # any record with a ``samples`` sequence
    ...     samples = ("  My dream is to fly  ", "", "x" * 700)
    >>> [len(s) for s in samples_shown(WithSamples())]
    [18, 601]
    """
    records = getattr(bot, "samples", None) or ()
    if hasattr(records, "texts"):  # a Samples record (samples.json): continuations of its prompt
        records = [f"{records.prompt} {t}" for t in records.texts if t.strip()]
    out = []
    for sample in records:
        # No blank line survives: one would end the page's raw HTML block and let Markdown read the rest.
        lines = (" ".join(line.split()) for line in _text(sample).strip().splitlines())
        text = "\n".join(line for line in lines if line)
        if text:
            out.append(_cut(text, MAX_SAMPLE_CHARS))
        if len(out) == MAX_SAMPLES_SHOWN:
            break
    return out
