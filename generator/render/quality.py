"""The data-quality page (``statistics/quality/``): per kind of problem, how many bots and which.

Built from :func:`generator.quality.summarise`; each bot page links each of
its problems to its kind's section here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .. import quality
from ..models import Bot
from .escape import environment, front_matter
from .writer import Writer, bot_path

#: Where the page is written, relative to ``docs/``, and its URL from the site root.
PATH = "statistics/quality.md"
URL = "statistics/quality/"


def problem_links(problems: Sequence[str]) -> list[dict[str, str]]:
    """A bot page's problems, each with its kind's title and anchor on the data-quality page."""
    out = []
    for p in problems:
        kind = quality.kind_of(p)
        word = "card format" if kind.outcome == "format" else kind.outcome
        out.append({"text": p, "kind": kind.title, "anchor": kind.id, "outcome": word})
    return out


def write_quality(*, bots: Sequence[Bot], writer: Writer, snapshot_date: str | None) -> Path:
    """Write the data-quality page."""
    summaries = quality.summarise(bots)
    by_outcome = {o: sum(len(s.bots) for s in summaries if s.kind.outcome == o) for o in quality.OUTCOMES}
    sections = []
    for s in summaries:
        listed = s.bots[: quality.MAX_LISTED]
        sections.append(
            {
                "kind": s.kind,
                "outcome": quality.OUTCOMES[s.kind.outcome],
                "count": len(s.bots),
                "rows": [
                    {"name": b.name, "href": "../../" + bot_path(b.name).removesuffix(".md") + "/", "problems": ps}
                    for b, ps in listed
                ],
                "more": len(s.bots) - len(listed),
                # One sentence shared by every bot of the kind is said once, not per bot.
                "common": s.bots[0][1][0] if len({ps for _, ps in s.bots}) == 1 and len(s.bots[0][1]) == 1 else None,
            }
        )
    page = environment().get_template("quality.md.j2").render(
        sections=sections,
        total=len(bots),
        clean=sum(1 for b in bots if not b.problems),
        outcomes=[(quality.OUTCOMES[o], n) for o, n in by_outcome.items() if n],
        snapshot_date=snapshot_date,
        max_listed=quality.MAX_LISTED,
    )
    meta = {"title": "Data quality", "search": {"exclude": True}, "hide": ["navigation"]}
    return writer.write(PATH, front_matter(meta) + page, owner="the data-quality page")
