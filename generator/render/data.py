"""The data files: ``bots.json``, ``bots.csv`` and the JSON Feed ``feed.json``.

JSON goes through ``json.dumps``, CSV through :mod:`csv` (free-text cells
that a spreadsheet would run as a formula get a leading ``'``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from ..models import Bot
from .escape import clean, csv_cell
from .gallery import sort_bots

FEED_SIZE = 50
CSV_FIELDS = (
    "name", "id", "kind", "era", "template", "display_name", "handles", "accounts",
    "tweets_downloaded", "retweets", "short_tweets", "tweets_kept",
    "downloads", "likes", "created_at", "last_modified", "widget_prompt", "problems",
    "sample", "samples", "samples_generated",
)  # fmt: skip


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
            # The shown sample, then every sample as a JSON list (they may hold newlines and "; ").
            b.samples.chosen if b.samples else None,
            json.dumps(list(b.samples.texts), ensure_ascii=False) if b.samples else None,
            b.samples.generated if b.samples else None,
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
