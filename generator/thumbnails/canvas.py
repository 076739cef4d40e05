"""The thumbnail canvas: a 1200x630 figure addressed in pixels, its palette, and text fitting.

Text is measured with matplotlib itself (so what fits is what is drawn), cut
at user-perceived character boundaries (:func:`_clusters`) and wrapped with
kinsoku for CJK. Call everything here under :func:`generator.style.mpl_style`.
"""

from __future__ import annotations

import io
import unicodedata
from functools import cache, lru_cache

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.font_manager import FontProperties, fontManager as _fontManager, get_font
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from ..style import _INVISIBLE_OK, MAX_DRAWN_CHARS

WIDTH, HEIGHT, DPI = 1200, 630, 100

# Palette: tweet-card neutrals, one accent per badge, one colour per count.
INK, MUTED, FAINT, PAPER, PAGE = "#0f1419", "#536471", "#cfd9de", "#ffffff", "#eef3f7"
BADGE_COLOURS = {"bot": "#1d9bf0", "cyborg": "#7856ff"}
COUNT_COLOURS = {"kept": "#1d9bf0", "short": "#ffad1f", "retweets": "#aab8c2"}


def _pt(px: float) -> float:
    """Font size in points for a height in pixels at our DPI."""
    return px * 72 / DPI


def _clusters(text: str) -> list[str]:
    """Split into user-perceived characters, roughly: marks, joiners, selectors,
    skin tones and the code point after a ZWJ stay with their base; regional
    indicators pair up into flags. Used only to break or cut text safely."""
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        joins = out and (
            unicodedata.category(ch) in ("Mn", "Me", "Cf")
            or cp in _INVISIBLE_OK
            or 0x1F3FB <= cp <= 0x1F3FF
            or out[-1].endswith("\u200d")
            or (0x1F1E6 <= cp <= 0x1F1FF and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF)
        )
        if joins:
            out[-1] += ch
        else:
            out.append(ch)
    return out


class _Renderer(RendererAgg):
    """matplotlib's Agg renderer, finding the fonts for each text style once per process.

    Agg looks the fallback fonts up again for every string it measures or
    draws, and each lookup first reads eleven rcParams to key its cache: a
    third of a thumbnail's drawing time. Under :func:`generator.style.mpl_style`
    the rcParams never change, so the font list a style resolves to does not either.
    """

    _fonts: dict[FontProperties, list] = {}
    _heights: dict[tuple[FontProperties, float], tuple[float | None, float | None, float | None]] = {}

    @classmethod
    def _paths(cls, prop: FontProperties) -> list:
        paths = cls._fonts.get(prop)
        if paths is None:
            paths = cls._fonts[prop.copy()] = _fontManager._find_fonts_by_props(prop)
        return paths

    def _prepare_font(self, font_prop: FontProperties):  # type: ignore[no-untyped-def]
        font = get_font(self._paths(font_prop))
        font.clear()
        font.set_size(font_prop.get_size_in_points(), self.dpi)
        return font

    def _get_font_height_metrics(self, prop: FontProperties) -> tuple[float | None, float | None, float | None]:
        """(ascent, descent, line gap) in pixels, as :meth:`matplotlib.text.Text._get_layout` computes them, once a style."""
        key = (prop, self.dpi)
        if key not in self._heights:
            font = get_font(self._paths(prop))
            found: tuple[float | None, float | None, float | None] = (None, None, None)
            for table_name, gap_key, ascent_key, descent_key in (
                ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                ("hhea", "lineGap", "ascent", "descent"),
            ):
                table = font.get_sfnt_table(table_name)
                if table is None:
                    continue
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * self.dpi / 72
                found = (table[ascent_key] * scale, -table[descent_key] * scale, table[gap_key] * scale)
                break
            self._heights[(prop.copy(), self.dpi)] = found
        return self._heights[key]


class _AggCanvas(FigureCanvasAgg):
    def get_renderer(self) -> RendererAgg:  # type: ignore[override]
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


@cache
def _measuring_figure() -> Figure:
    """The one figure of this process: thumbnails are drawn on it one after another, and measured with it.

    Reusing it spares making a figure and a renderer per card, and text is
    measured by the renderer that draws it, so matplotlib's metrics cache
    serves both.
    """
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    _AggCanvas(fig)
    return fig


@lru_cache(maxsize=8192)
def _text_width(s: str, px: float, weight: str) -> float:
    """Width in pixels of one line of text (only called under :func:`mpl_style`)."""
    if not s:
        return 0.0
    fig = _measuring_figure()
    t = Text(0, 0, s, fontsize=_pt(px), fontweight=weight, parse_math=False)
    t.set_figure(fig)
    return t.get_window_extent(fig.canvas.get_renderer()).width


_NO_LINE_START = frozenset("、。，．：；？！）」』】〕〉》・ー,.!?;:)]}")


class _Canvas:
    """A 1200x630 figure addressed in pixels from the top-left, with text measuring."""

    def __init__(self) -> None:
        self.fig = _measuring_figure()
        for group in (self.fig.artists, self.fig.texts, self.fig.images, self.fig.patches, self.fig.lines):
            for artist in list(group):  # the previous card's
                artist.remove()
        self.fig.patch.set_facecolor(PAGE)
        self.photo = False  # set when a cached avatar image is drawn

    def text(self, x: float, y: float, s: str, *, px: float, **kw: object) -> Text:
        """Draw ``s`` anchored at (x, y) px from the top-left (``va="top"`` unless given)."""
        kw.setdefault("va", "top")
        return self.fig.text(x / WIDTH, 1 - y / HEIGHT, s, fontsize=_pt(px), parse_math=False, **kw)

    def width(self, s: str, *, px: float, weight: str = "normal") -> float:
        return _text_width(s, px, weight)

    def fit(self, s: str, max_w: float, *, px: float, weight: str = "normal") -> str:
        """``s``, cut at a character boundary with an ellipsis if wider than ``max_w`` px."""
        if len(s) <= MAX_DRAWN_CHARS and self.width(s, px=px, weight=weight) <= max_w:
            return s
        parts = _clusters(s[:MAX_DRAWN_CHARS])  # never measure more than can be drawn
        lo, hi = 0, len(parts)
        while lo < hi:  # longest prefix that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if self.width("".join(parts[:mid]).rstrip() + "…", px=px, weight=weight) <= max_w:
                lo = mid
            else:
                hi = mid - 1
        return "".join(parts[:lo]).rstrip() + "…"

    def wrap(
        self, words: list[str], widths: list[float], *, px: float, max_lines: int, weight: str = "normal"
    ) -> list[str]:
        """Greedy line breaking of ``words``; line i is ``widths[i]`` px wide (the
        last width repeats). Words wider than a line (CJK runs) break between
        characters; text beyond ``max_lines`` is cut with an ellipsis."""
        lines: list[str] = []
        current = ""
        queue = list(words)
        while queue and len(lines) < max_lines:
            limit = widths[min(len(lines), len(widths) - 1)]
            word = queue.pop(0)
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, px=px, weight=weight) <= limit:
                current = candidate
            elif current:
                lines.append(current)
                current = ""
                queue.insert(0, word)
            else:  # one word wider than the line (a CJK run): split it
                parts = _clusters(word)
                lo, hi = 1, len(parts)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self.width("".join(parts[:mid]), px=px, weight=weight) <= limit:
                        lo = mid
                    else:
                        hi = mid - 1
                while 1 < lo < len(parts) and parts[lo] in _NO_LINE_START:
                    lo -= 1  # kinsoku: "。" and friends never start a line
                lines.append("".join(parts[:lo]))
                if parts[lo:]:
                    queue.insert(0, "".join(parts[lo:]))
        if current:
            lines.append(current)
        if queue:  # overflow: the last line ends in an ellipsis
            last = widths[min(len(lines) - 1, len(widths) - 1)]
            lines[-1] = self.fit(lines[-1] + " " + " ".join(queue), last, px=px, weight=weight)
        return lines

    def png(self) -> bytes:
        """The canvas as an opaque PNG with no metadata (so reruns give the same bytes)."""
        self.fig.canvas.draw()
        rgb = Image.fromarray(np.asarray(self.fig.canvas.buffer_rgba())).convert("RGB")  # opaque: 25% smaller
        # Without photos the card is flat colours and anti-aliased text: a
        # 256-colour palette looks the same at a third of the bytes (75 -> 25
        # KB), and octree quantising is faster than compressing RGB.
        # A photo (a cached avatar) would be posterised: keep those cards RGB.
        image = rgb if self.photo else rgb.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=6)  # level 9 is 4x slower for 2% less
        return out.getvalue()
