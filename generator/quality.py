"""Problems on bot records -> kinds of data-quality issue, for the data-quality page.

Every problem the reader reports is one sentence naming the card's values
(``display name of user 2 lost to ISO-8859-7 mojibake (bytes dropped): '...'``).
:func:`kind_of` sorts each into one :class:`Kind` and says what became of the
value, so a visitor can see per kind how many bots it touches and whether
their values were repaired, recovered from a secondary place in the card,
are doubtful, or are unknown:

- ``repaired``: the value was damaged and is fixed (mojibake undone);
- ``recovered``: read from the card's text where its markup was damaged;
- ``doubtful``: kept as the card states it, but something contradicts it;
- ``unknown``: the card does not state it readably, so it is left empty;
- ``format``: the card's layout differs from every template (values may still be right).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .models import Bot

Outcome = Literal["repaired", "recovered", "doubtful", "unknown", "format"]

OUTCOMES: dict[Outcome, str] = {
    "repaired": "Repaired",
    "recovered": "Recovered from a secondary source",
    "doubtful": "Doubtful",
    "unknown": "Unknown (left empty)",
    "format": "Card format",
}

#: The most bots a kind lists by name on the page; the count is always exact.
MAX_LISTED = 500


@dataclass(frozen=True)
class Kind:
    """One kind of data-quality issue, and what its problem sentences look like."""

    id: str  # the page anchor
    title: str
    outcome: Outcome
    explanation: str
    #: A regular expression searched in each problem sentence (kinds are tried in :data:`KINDS` order).
    pattern: str = field(default="", repr=False)


def _kinds(outcome: Outcome, *rows: tuple[str, str, str, str]) -> tuple[Kind, ...]:
    """The kinds of one outcome, each row ``(id, pattern, title, explanation)``."""
    return tuple(Kind(id, title, outcome, explanation, pattern) for id, pattern, title, explanation in rows)


#: The kind of a problem no pattern describes (it matches nothing itself).
OTHER = Kind("other", "Other problems", "doubtful", "Problems of no kind above.")
#: Every kind, in the page's order; the first whose pattern a problem matches is its kind,
#: so a narrower pattern comes before a broader one ("front matter recovered" before "front matter").
KINDS: tuple[Kind, ...] = (
    *_kinds(
        "repaired",
        ("mojibake-repaired", r"^display name of user \d+ repaired from .* mojibake", "Mojibake repaired in a display name",
         "A crawler decoded the card's UTF-8 with another codec and ftfy could not undo it; the card's own "
         "damage (its robot emoji in the same mojibake) says which codec, and the name decodes exactly."),
        ("not-utf8", r"^not valid UTF-8", "Not valid UTF-8", "The bytes were read as Windows-1252."),
    ),
    *_kinds(
        "recovered",
        ("counts-recovered", r"^counts recovered from ", "Counts recovered from damaged markup",
         "The training-data table lost its Markdown form (collapsed into one line, without leading pipes, "
         "rendered to text); its rows were read from the text and checked against the card's other sources."),
        ("header-recovered", r"^header recovered from ", "Header recovered from damaged markup",
         "The header's HTML was stripped or run together; names and handle were read from its text."),
        ("front-matter-recovered", r"^front matter recovered from ", "Front matter recovered",
         "The front matter lost its --- fences or was flattened onto one line; thumbnail and prompt were read from its text."),
        ("blank-lines-collapsed", r"^blank lines collapsed", "Blank lines collapsed",
         "The paragraph after the table runs into it; it is not read as a row."),
    ),
    *_kinds(
        "doubtful",
        ("mojibake-doubtful", r"still looks like .* mojibake", "Display name that still looks like mojibake",
         "The name re-encodes into valid UTF-8 with a crawler's codec, but nothing else in the card shows that "
         "damage, so it is kept as written."),
        ("names-disagree", r"^display names disagree", "Display names that disagree between places",
         "The header, the sentence and the table's column header state different names; the names most of them "
         "agree on (or the most reliable) are kept."),
        ("broken-invariant", r"^tweets downloaded \(\d+\) != ", "Counts that do not add up",
         "Tweets downloaded is not retweets + short tweets + tweets kept; the counts are shown as the card states them."),
        ("columns-vs-handles", r"^data table has \d+ value columns for \d+ handles", "Table columns that do not match the handles",
         "One table column is one user: no user is invented for a handle without a column."),
        ("handle-mismatch", r"^(?:header names @|the card's text names @|header says AI )", "Handle or badge that differs from the repo",
         "The card names another account, or the wrong badge, than its repo id says."),
    ),
    *_kinds(
        "unknown",
        ("mojibake-lost", r"lost to .* mojibake|has characters lost to mojibake", "Display name lost to mojibake",
         "The crawler dropped bytes it could not decode, so the name cannot be brought back."),
        ("columns-unmapped", r"^cannot tell which table column is which handle", "Cyborg columns not mapped to handles",
         "A cyborg's columns follow the typed order, its repo id is sorted; a column is mapped only where "
         "another bot makes it certain."),
        ("names-unknown", r"^(?:cannot split the display names|no display name found)",
         "Display names unknown", "No single reading of the joined names fits every place they appear."),
        ("wandb-unknown", r"^W&B .* run id is unknown", "W&B run unknown",
         "A reconstructed card writes a run id no stored view showed as XXXXXXXX; there is no link."),
        ("table-incomplete",
         r"^(?:no data table|data table lacks rows|ragged data table|data table header starts|unexpected data table row|"
         r"data table row .* appears twice|the card ends inside the data table)|of user \d+ is not a number",
         "Training-data table missing or incomplete", "What the table does not state readably is left empty."),
        ("header-missing", r"^no header with avatar and name", "No header", "The card has no header with avatars and names."),
        ("no-card", r"^(?:README is empty|no README|could not be read)", "No readable card",
         "There is no card to read, or the reader failed on it."),
        ("samples-unreadable", r"^samples\.json ", "Samples file unreadable",
         "The bot's samples.json cannot be used, so its page shows no samples."),
        ("card-refused", r"; (?:card )?not read$", "Card over a reading bound",
         "The card broke a bound of the reader (its size, lines or nesting; not a regular file; a link out of "
         "the snapshot), so it was not read at all."),
        ("out-of-bounds",
         r"over the bound of |over the [\d,]+-character budget|is outside \d{4}-\d{4}|outside 0\.\.|"
         r"-digit number, not read|is not a date: |is not a whole number: |is not text: |holds a lone surrogate|"
         r"not readable as short text",
         "Value outside its bounds",
         "A value is too long, too large, not a date or not text (the bounds of generator/validate.py), so it is "
         "left out, as if the card did not state it."),
        ("invalid-name", r"is not a valid repo name", "Repo name that is not Twitter handles",
         "The repo name is not Twitter handles joined with '-', so its handles are unknown and it gets no page."),
    ),
    *_kinds(
        "format",
        ("front-matter", r"^(?:no front matter|front matter )", "Front matter missing or invalid", "Thumbnail and prompt are unknown."),
        ("placeholders", r"^unfilled template placeholders", "Unfilled template placeholders",
         "The generator left a placeholder in the card."),
        ("unknown-template", r"^matches no known card template", "No known card template",
         "The card's fixed text matches none of the templates (often because its markup was damaged)."),
    ),
    OTHER,
)  # fmt: skip
_COMPILED = tuple((re.compile(k.pattern), k) for k in KINDS if k.pattern)


def kind_of(problem: str) -> Kind:
    """The kind of one problem sentence.

    >>> kind_of("counts recovered from a table rendered to text").id
    'counts-recovered'
    """
    for pattern, kind in _COMPILED:
        if pattern.search(problem):
            return kind
    return OTHER


@dataclass(frozen=True)
class KindSummary:
    kind: Kind
    bots: tuple[tuple[Bot, tuple[str, ...]], ...]  # each affected bot and its problems of this kind


def summarise(bots: Sequence[Bot]) -> list[KindSummary]:
    """Per kind (in :data:`KINDS` order, only those that occur), the bots it affects, by name."""
    found: dict[str, dict[str, tuple[Bot, list[str]]]] = {}
    for bot in bots:
        for p in dict.fromkeys(bot.problems):
            entry = found.setdefault(kind_of(p).id, {}).setdefault(bot.name, (bot, []))
            entry[1].append(p)
    out = []
    for kind in KINDS:
        if kind.id in found:
            items = sorted(found[kind.id].values(), key=lambda bp: bp[0].name)
            out.append(KindSummary(kind, tuple((b, tuple(ps)) for b, ps in items)))
    return out
