"""The registry of huggingtweets card templates: template -> era, label, fixed fragments.

Every card on the Hub is one of the template files beside this module, filled
in by plain string replacement of its placeholders (see ``ABOUT.md``). This
is the one place that knows them: the reader (:mod:`generator.parse`) scores
a card against each template's fixed fragments to find its era, the records
(:mod:`generator.models`) name the eras and their labels, and the synthetic
corpus (:mod:`generator.corpus`) fills the same templates.

>>> REGISTRY["2021-03-24_9fa75a7"].era, REGISTRY["2021-03-24_9fa75a7"].label
('2021-02-08', 'Feb - May 2021')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

#: The six template eras, each named by the first day its first template was
#: used. ``unknown`` is a card that matches no template well enough.
Era = Literal[
    "2020-07-20",  # July 2020: exbert tag, padded Markdown table
    "2020-07-21",  # late July 2020: logo_share thumbnail, exbert button
    "2020-08-08",  # Aug 2020: exbert removed
    "2020-08-24",  # Aug 2020 - Feb 2021: "prose" HTML, data table as <table>
    "2021-02-08",  # Feb - May 2021: simple single-user card
    "2021-05-07",  # May 2021 - 2023: multi-user header, one column per user
    "unknown",
]
ERAS: tuple[Era, ...] = (
    "2020-07-20",
    "2020-07-21",
    "2020-08-08",
    "2020-08-24",
    "2021-02-08",
    "2021-05-07",
)
ERA_LABELS: dict[str, str] = {
    "2020-07-20": "July 2020",
    "2020-07-21": "late July 2020",
    "2020-08-08": "Aug 2020",
    "2020-08-24": "Aug 2020 - Feb 2021",
    "2021-02-08": "Feb - May 2021",
    "2021-05-07": "May 2021 - 2023",
    "unknown": "unknown",
}

#: Every placeholder any template has (longest first where one is a prefix of another).
PLACEHOLDERS = (
    "USER_PROFILE_1", "USER_PROFILE_2", "USER_PROFILE_3", "USER_PROFILE", "USER_HANDLE",
    "USER_NAME", "DISPLAY_1", "DISPLAY_2", "DISPLAY_3", "SOCIAL_LINK", "TABLE_USER",
    "TABLE_SPLIT", "TWEETS_DL", "RETWEETS", "SHORT_TWEETS", "TWEETS_KEPT",
    "WANDB_PREPROCESS", "WANDB_TRAIN", "RANDOM_SZ",
)  # fmt: skip
#: A placeholder left in a card (a template filled in only partly).
UNFILLED_RE = re.compile(r"\b(" + "|".join(PLACEHOLDERS) + r")\b")
#: A fixed fragment shorter than this identifies nothing (``|``, ``---``).
MIN_FRAGMENT = 4


@dataclass(frozen=True)
class Template:
    """One template file: its stem (``<first day in use>_<commit>``), era and shape."""

    stem: str
    era: Era
    #: One table column per user (the only template a cyborg can be).
    multi_user: bool = False

    @property
    def label(self) -> str:
        """The era's label, as the pages show it."""
        return ERA_LABELS[self.era]

    @property
    def text(self) -> str:
        """The raw template text, from the package."""
        return template_text(self.stem)

    @property
    def fragments(self) -> tuple[str, ...]:
        """The literal fragments that identify the template (the longest fixed part of each line)."""
        return _fragments(self.stem)


#: Template file stems -> their registry entries, oldest first.
REGISTRY: dict[str, Template] = {
    t.stem: t
    for t in (
        Template("2020-07-20_09bd6dc", "2020-07-20"),
        Template("2020-07-21_1a4c805", "2020-07-21"),
        Template("2020-08-08_34f5910", "2020-08-08"),
        Template("2020-08-24_1b58fcb", "2020-08-24"),
        Template("2020-09-18_d309ede", "2020-08-24"),
        Template("2020-12-04_d554fce", "2020-08-24"),
        Template("2021-02-08_9aa307f", "2021-02-08"),
        Template("2021-03-24_9fa75a7", "2021-02-08"),
        Template("2021-05-07_c74eb83", "2021-05-07", multi_user=True),
    )
}
#: Template file stems, oldest first.
TEMPLATES: tuple[str, ...] = tuple(REGISTRY)
#: Template file stem -> the era it belongs to.
TEMPLATE_ERA: dict[str, Era] = {stem: t.era for stem, t in REGISTRY.items()}
#: The template cyborgs (and late single-user bots) are filled from.
MULTI_USER_TEMPLATE = next(stem for stem, t in REGISTRY.items() if t.multi_user)


@cache
def template_text(stem: str) -> str:
    """The raw text of one template, from the package."""
    return resources.files(__name__).joinpath(f"{stem}.md").read_text(encoding="utf-8")


@cache
def _fragments(stem: str) -> tuple[str, ...]:
    frags = []
    for line in template_text(stem).split("\n"):
        parts = [p.strip() for p in UNFILLED_RE.split(line.strip()) if p not in PLACEHOLDERS]
        best = max(parts, key=len, default="")
        if len(best) >= MIN_FRAGMENT:
            frags.append(best)
    return tuple(frags)
