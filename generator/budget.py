"""The parse budget of one card: how much of each costly thing the reader will take on.

Cards are untrusted and the reader's libraries are not built for hostile
input: libyaml's C loader overflows the stack (a segfault, exit 139) on front
matter nested ~22,000 levels deep; BeautifulSoup costs seconds, then minutes,
on tens of thousands of nested ``<div>``; the display-name split search tries
every combination of `` & `` parts. Each of these is measured here, cheaply and
without the library that would choke, *before* the library runs, against a
named bound. A card over budget is not read further; it becomes a record with
a problem saying which bound it broke, and the build goes on.

Real cards are 3-6 KB and at most ~120 lines, nest HTML about 4 deep, have about 20 YAML events
nested 3 deep and split their names in a handful of ways, so every bound
leaves a wide margin.

>>> html_depth("<div><div><br><img src=x></div></div>")
(2, 6)
>>> over_yaml_budget("a: [[1]]") is None
True
>>> over_yaml_budget("a: " + "[" * 5000 + "]" * 5000)
'front matter nests deeper than 64 levels'
"""

from __future__ import annotations

import math
import re

import yaml

#: Largest card the reader parses, in bytes (real cards are 3-6 KB). Template
#: detection searches the whole text for each of ~500 fragments, so a card's
#: cost grows with its size; the fetcher stores up to its own, larger cap
#: (``config.MAX_README_BYTES``), and a stored card over this one gets a record
#: with the problem.
MAX_CARD_BYTES = 64 * 1024
#: Most lines in one card (real cards: 70-90). The Markdown table rule and
#: ftfy work line by line: 15,000 stray table rows cost 7-11 s a card, 1,000 about 0.3 s.
MAX_CARD_LINES = 1_000
#: Longest paragraph whose links are read with Markdown's inline parser (real
#: ones: 170-490 characters); its emphasis rules cost 1.9 s on 60 KB of ``*_``, 0.36 s on 4 KB.
MAX_INLINE_CHARS = 2_048
#: Deepest nesting of HTML elements (real headers: 4).
MAX_HTML_DEPTH = 64
#: Most HTML tags, opening and closing, in one card (real cards: about 40). The
#: header reader looks up each element's source line, so its cost grows with
#: elements times line length: 2,000 tags on one 200 KB line cost about 1.7 s.
MAX_HTML_TAGS = 500
#: Deepest nesting of YAML collections in the front matter (real cards: 3).
MAX_YAML_DEPTH = 64
#: Most YAML parser events (scalars, collection starts and ends) in the front matter (real cards: about 20).
MAX_YAML_EVENTS = 2_000
#: Most ways of cutting a joined name list (the header's `` & `` parts, the table's
#: `` | `` parts, a rendered table's words) into one name per column that the
#: name-split search (:func:`generator.recover.resolve_names`) tries; the one bound
#: of that search (a 6-handle card with 12 parts: 462; real cards: at most a dozen parts).
MAX_SPLIT_CANDIDATES = 3_003  # 16 parts into 6 names: a card with three sources costs ~0.07 s at most

# Elements that never take content: they do not nest.
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")


def over_size_budget(data: bytes) -> str | None:
    """A problem if the card's bytes are more, or in more lines, than the budget, else ``None``."""
    if len(data) > MAX_CARD_BYTES:
        return f"card is {len(data):,} bytes, over the {MAX_CARD_BYTES:,}-byte budget; not read"
    lines = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    if lines > MAX_CARD_LINES:
        return f"card has {lines:,} lines, over the {MAX_CARD_LINES:,}-line budget; not read"
    return None


def html_depth(text: str) -> tuple[int, int]:
    """(deepest element nesting, number of tags) of the HTML in ``text``, by a linear scan.

    Unclosed elements count as still open, which can only over-count: the
    bound is on what a parser would have to hold.
    """
    depth = deepest = tags = 0
    for m in _TAG.finditer(text):
        tags += 1
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest, tags


def over_html_budget(text: str) -> str | None:
    """A problem if the card's HTML nests deeper or has more tags than the budget, else ``None``."""
    deepest, tags = html_depth(text)
    if deepest > MAX_HTML_DEPTH:
        return f"HTML nests deeper than {MAX_HTML_DEPTH} levels ({deepest}); card not read"
    if tags > MAX_HTML_TAGS:
        return f"more than {MAX_HTML_TAGS:,} HTML tags ({tags:,}); card not read"
    return None


def over_yaml_budget(raw: str) -> str | None:
    """A problem if the front matter nests deeper or is longer than the budget, else ``None``.

    Walks libyaml's event stream, which is iterative and lazy, and stops at the
    first event over a bound, so the recursive loader never sees a document it
    could crash on. Syntax errors are left for the loader to report.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = events = 0
    try:
        for event in yaml.parse(raw, Loader=loader):
            events += 1
            if events > MAX_YAML_EVENTS:
                return f"front matter has more than {MAX_YAML_EVENTS:,} YAML nodes"
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    return f"front matter nests deeper than {MAX_YAML_DEPTH} levels"
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def split_candidates(parts: int, names: int) -> int:
    """How many ways ``parts`` separated pieces can be cut into ``names`` names, in order.

    >>> split_candidates(3, 2), split_candidates(120, 6)
    (2, 182637273)
    """
    if names < 1 or parts < names:
        return 0
    return math.comb(parts - 1, names - 1)
