"""The matplotlib style and fonts that thumbnails and charts share.

Drawing under matplotlib's defaults plus our fonts (not the user's
matplotlibrc) makes the output reproducible, and mathtext and TeX off keep
untrusted card text literal (``$x^2$`` is drawn as it is). Fonts fall back
along :data:`FONT_FAMILY`; :func:`clean_text` drops what no installed font
covers, so nothing is drawn as an empty box.

Charts and pages import this module, not :mod:`generator.thumbnails`, so they
do not load the thumbnail drawing code.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache

import matplotlib
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font

log = logging.getLogger(__name__)

#: Latin, Greek, Cyrillic, Arabic... then CJK, then emoji and symbols (Debian
#: packages fonts-noto-cjk and fonts-symbola; DejaVu Sans ships with matplotlib).
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK JP", "Symbola"]

# Characters kept although no font maps them: shaping consumes them (joiners,
# variation selectors, emoji tag sequences such as subdivision flags).
_INVISIBLE_OK = {0x200C, 0x200D} | set(range(0xFE00, 0xFE10)) | set(range(0xE0020, 0xE0080))

#: Code points our fonts map, but to a placeholder: Symbola draws the skin-tone
#: modifiers as dotted swatches and the regional indicators (flag halves) as
#: dotted boxed letters, and no font here has colour emoji to compose them. They
#: are dropped, so 👩🏻‍💻 draws as 👩‍💻 (the base emoji, as Unicode's fallback) and
#: 🇫🇷 Marianne as Marianne.
PLACEHOLDER_GLYPHS = frozenset(range(0x1F3FB, 0x1F400)) | frozenset(range(0x1F1E6, 0x1F200))
#: The font matplotlib falls back to when no font in the family has a glyph: its glyphs are boxes.
_LAST_RESORT = "Last Resort"


@contextmanager
def mpl_style(extra: Mapping[str, object] | None = None) -> Iterator[None]:
    """matplotlib defaults plus our fonts, whatever the user's matplotlibrc says.

    Drawing under the defaults (not the caller's rcParams) is what makes the
    output reproducible; ``text.usetex``/``text.parse_math`` off is what keeps
    untrusted text literal. ``extra`` adds rcParams (e.g. SVG settings).
    """
    logger = logging.getLogger("matplotlib.font_manager")
    logger.addFilter(_no_bold_notice)
    try:
        with matplotlib.rc_context():
            matplotlib.rcdefaults()
            matplotlib.rcParams.update({"font.family": FONT_FAMILY, "text.usetex": False, "text.parse_math": False})
            matplotlib.rcParams.update(extra or {})
            yield
    finally:
        logger.removeFilter(_no_bold_notice)


def _no_bold_notice(record: logging.LogRecord) -> bool:
    """Drop "Failed to find font weight bold for Symbola": emoji have no bold, that is fine."""
    return "Failed to find font weight" not in record.getMessage()


@cache
def _coverage() -> frozenset[int]:
    """Code points some font of :data:`FONT_FAMILY` has a glyph for."""
    points: set[int] = set()
    for family in FONT_FAMILY:
        try:
            path = findfont(FontProperties(family=family), fallback_to_default=False)
        except ValueError:  # its characters are dropped below, never drawn as boxes
            log.warning("thumbnails: font %r is not installed; text it alone covers is left out", family)
            continue
        points.update(FT2Font(path).get_charmap())
    return frozenset(points)


#: Most characters of any one text that are cleaned, measured or drawn: four
#: lines of the narrowest glyphs at the smallest size hold fewer, so a 1 MB
#: prompt costs what a long one does (measuring it whole took 43 s and 509 MB).
MAX_DRAWN_CHARS = 1_000


def clean_text(text: str | None) -> str:
    """``text`` made safe to draw: one line, only characters some font can show.

    Whitespace and control characters become single spaces, format characters
    other than joiners and tags (e.g. bidi overrides) are dropped, and so is
    anything no font in :data:`FONT_FAMILY` covers (it would be an empty box)
    or covers only with a placeholder (:data:`PLACEHOLDER_GLYPHS`). A joiner
    left with nothing to join is dropped too.

    >>> clean_text("Aleyda \U0001F469\U0001F3FB\u200d\U0001F4BB") == "Aleyda \U0001F469\u200d\U0001F4BB"
    True
    >>> clean_text("\U0001F1EB\U0001F1F7 Marianne")
    'Marianne'
    """
    covered = _coverage()
    out = []
    for ch in (text or "")[:MAX_DRAWN_CHARS]:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Cc":
            out.append(" ")
        elif ord(ch) in _INVISIBLE_OK or (cat != "Cf" and ord(ch) in covered and ord(ch) not in PLACEHOLDER_GLYPHS):
            out.append(ch)
    words = "".join(out).split()
    return " ".join(w for w in (_tidy_joiners(w) for w in words) if w)


def _tidy_joiners(word: str) -> str:
    """``word`` without zero-width joiners at its ends or doubled (left when a modifier or flag is dropped)."""
    while "\u200d\u200d" in word:
        word = word.replace("\u200d\u200d", "\u200d")
    return word.strip("\u200d")


def undrawable(text: str, *, weight: str = "normal") -> list[str]:
    """The characters (shaping clusters) of ``text`` that would be drawn as a box.

    Lays ``text`` out exactly as matplotlib draws it (libraqm shaping, font
    fallback along :data:`FONT_FAMILY`) and reports clusters drawn with glyph 0
    (.notdef), with matplotlib's Last Resort font (a box naming the Unicode
    block), or holding a :data:`PLACEHOLDER_GLYPHS` code point. The tests use it
    on every text a thumbnail draws. Uses matplotlib's layout internals
    (pinned in pyproject.toml). Call under :func:`mpl_style`.

    >>> with mpl_style():
    ...     undrawable("dril 山田 🦌"), len(undrawable("\U0001F1EB\U0001F1F7"))
    ([], 1)
    """
    from matplotlib import _text_helpers, font_manager

    prop = FontProperties(family=matplotlib.rcParams["font.family"], weight=weight)
    font = font_manager.get_font(font_manager.fontManager._find_fonts_by_props(prop))
    font.set_size(12, 72)
    bad: list[str] = []
    for item in _text_helpers.layout(text, font):
        cluster = getattr(item, "char", "") or ""
        if (
            item.glyph_index == 0
            or _LAST_RESORT in (item.ft_object.family_name or "")
            or any(ord(c) in PLACEHOLDER_GLYPHS for c in cluster)
        ) and cluster not in bad:
            bad.append(cluster)
    return bad
