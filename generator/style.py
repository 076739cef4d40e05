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
    anything no font in :data:`FONT_FAMILY` covers (it would be an empty box).
    """
    covered = _coverage()
    out = []
    for ch in (text or "")[:MAX_DRAWN_CHARS]:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Cc":
            out.append(" ")
        elif ord(ch) in _INVISIBLE_OK or (cat != "Cf" and ord(ch) in covered):
            out.append(ch)
    return " ".join("".join(out).split())
