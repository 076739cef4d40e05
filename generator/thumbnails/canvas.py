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
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager as _fontManager, get_font
from matplotlib.ft2font import RenderMode
from matplotlib.artist import Artist
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from ..faces import INITIALS_COLOURS
from ..style import _INVISIBLE_OK, MAX_DRAWN_CHARS

WIDTH, HEIGHT, DPI = 1200, 630, 100
#: Glyph bitmaps a drawing process keeps (each a few hundred bytes to a few KB: at most ~100 MB).
MAX_CACHED_GLYPHS = 40_000
#: Laid-out strings a drawing process keeps (glyph indices and pen positions).
MAX_CACHED_LAYOUTS = 4_096
#: zlib level of the PNGs: level 6 takes twice as long for 3% fewer bytes, level 9 six times for 12%.
PNG_LEVEL = 4

# Palette: tweet-card neutrals, one accent per badge, one colour per count.
INK, MUTED, FAINT, PAPER, PAGE = "#0f1419", "#536471", "#cfd9de", "#ffffff", "#eef3f7"
BADGE_COLOURS = {"bot": "#1d9bf0", "cyborg": "#7856ff"}
COUNT_COLOURS = {"kept": "#1d9bf0", "short": "#ffad1f", "retweets": "#aab8c2"}
#: Each colour drawn on the white card and the shades from white to it in the palette (both ends
#: included): text colours get more. Every colour a card is drawn in must be here.
_PALETTE_RAMPS = (
    (INK, 52), (MUTED, 36), *((c, 20) for c in BADGE_COLOURS.values()), (FAINT, 8),
    *((c, 6) for c in COUNT_COLOURS.values()), *((c, 8) for c in INITIALS_COLOURS),
)  # fmt: skip


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


_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])


class _Renderer(RendererAgg):
    """matplotlib's Agg renderer, finding the fonts for each text style once per process.

    Agg looks the fallback fonts up again for every string it measures or
    draws, and each lookup first reads eleven rcParams to key its cache: a
    third of a thumbnail's drawing time. Under :func:`generator.style.mpl_style`
    the rcParams never change, so the font list a style resolves to does not either.
    """

    _fonts: dict[FontProperties, list] = {}
    _heights: dict[tuple[FontProperties, float], tuple[float | None, float | None, float | None]] = {}
    #: (font file, size, dpi, glyph, x and y in 1/64 px modulo one pixel) -> (bitmap, left, top) relative
    #: to the pixel the pen is in. FreeType rasterises an outline moved by whole pixels into the same
    #: bitmap, moved, so a cached bitmap is exactly what rendering the glyph again would give.
    _glyphs: dict[tuple, tuple[np.ndarray, int, int]] = {}
    _layouts: dict[tuple, tuple] = {}

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

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):  # type: ignore[no-untyped-def]
        """:meth:`RendererAgg.draw_text` for straight, anti-aliased, non-math text, with the
        layout of each string and the bitmap of each glyph at each sub-pixel offset kept.

        matplotlib shapes the string and rasterises every glyph anew for every text it draws
        (half a thumbnail's drawing time); the pixels are the same either way.
        """
        if ismath or angle or not gc.get_antialiased():
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags = get_hinting_flag()
        size = prop.get_size_in_points()
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        key = (prop, s, features, language)
        items = self._layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = tuple(
                (item.ft_object, item.glyph_index, item.x, item.y)
                for item in font._layout(s, flags=flags, features=features, language=language)
            )
            if len(self._layouts) >= MAX_CACHED_LAYOUTS:
                self._layouts.clear()
            self._layouts[(prop.copy(), s, features, language)] = items
        glyphs, height, draw = self._glyphs, int(self.height), self._renderer.draw_text_image
        for ft, index, dx, dy in items:
            px, py = round(0x40 * (x + dx)), round(0x40 * (self.height - y + dy))  # FreeType's y is upwards
            gkey = (ft.fname, size, self.dpi, index, px & 63, py & 63)
            cached = glyphs.get(gkey)
            if cached is None:
                ft.set_size(size, self.dpi)
                ft._set_transform(_IDENTITY, [px & 63, py & 63])
                bitmap = ft._render_glyph(index, flags, RenderMode.NORMAL)
                if len(glyphs) >= MAX_CACHED_GLYPHS:
                    glyphs.clear()
                cached = glyphs[gkey] = (bitmap.buffer, bitmap.left, bitmap.top)
            buffer, left, top = cached
            top += py >> 6
            draw(buffer, left + (px >> 6), height - top + buffer.shape[0], 0, gc)

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


#: Rasterised backgrounds of this process, by :meth:`_Canvas.background` key.
_backgrounds: dict[str, object] = {}


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
        self.fixed: list[Artist] = []  # drawn the same on every card: see :meth:`background`
        self.fixed_key: str | None = None

    def background(self, key: str, artists: list[Artist]) -> None:
        """Add ``artists``, which every card draws the same way and under everything else, as the
        background named ``key``: it is rasterised once per process, then copied onto each card."""
        for artist in artists:
            self.fig.add_artist(artist)
        self.fixed, self.fixed_key = artists, key

    def _draw(self) -> None:
        """What ``fig.canvas.draw()`` draws, starting from the background's pixels: the other
        artists in matplotlib's own order (by z-order, then as added), over a copy of it."""
        renderer = self.fig.canvas.get_renderer()
        region = _backgrounds.get(self.fixed_key) if self.fixed_key else None
        if self.fixed_key and region is None:
            renderer.clear()
            self.fig.patch.draw(renderer)
            for artist in sorted(self.fixed, key=lambda a: a.get_zorder()):
                artist.draw(renderer)
            region = _backgrounds[self.fixed_key] = renderer.copy_from_bbox(self.fig.bbox)
        if region is None:
            self.fig.canvas.draw()
            return
        renderer.restore_region(region)
        fixed = {id(a) for a in self.fixed}
        rest = [a for a in self.fig.get_children() if a is not self.fig.patch and id(a) not in fixed]
        for artist in sorted(rest, key=lambda a: a.get_zorder()):
            artist.draw(renderer)

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
        self._draw()
        rgba = self.fig.canvas.buffer_rgba()
        if self.photo:  # a cached avatar: a palette would posterise it
            image = Image.frombytes("RGB", (WIDTH, HEIGHT), rgba, "raw", "RGBX")  # opaque: 25% smaller than RGBA
        else:
            # Flat colours and anti-aliased text: a palette (:func:`_card_palette`)
            # looks the same at a third of the bytes, and mapping to a palette
            # known in advance costs a fraction of quantising each card.
            image = Image.frombytes("P", (WIDTH, HEIGHT), _indices(rgba).tobytes())
            image.putpalette(_palette()[1])
        out = io.BytesIO()
        image.save(out, format="PNG", compress_level=PNG_LEVEL)
        return out.getvalue()


def _rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = (round(v * 255) for v in to_rgb(colour))
    return r, g, b


def _blends(a: str, b: str, levels: int) -> list[tuple[int, int, int]]:
    """``levels`` evenly spaced colours from ``a`` to ``b``, both included."""
    x, y = _rgb(a), _rgb(b)
    return [tuple(round(x[k] + (y[k] - x[k]) * i / (levels - 1)) for k in range(3)) for i in range(levels)]  # type: ignore[misc]


def _card_palette() -> np.ndarray:
    """The one palette of every thumbnail without a photo, as a (colours, 3) array.

    A card is drawn in a few flat colours on white, so every pixel lies
    between white and one colour drawn on it (anti-aliased text and edges),
    or between the page's grey and the frame's. The palette is those blends,
    more of them for the colours text is drawn in (body text in ink and grey,
    the prompt in the badge colour, white text on the badge and the initials
    discs), fewer for what only has edges.
    """
    entries: list[tuple[int, int, int]] = []
    for colour, levels in _PALETTE_RAMPS:
        entries += _blends(PAPER, colour, levels)
    entries += _blends(PAGE, FAINT, 8) + _blends(PAGE, PAPER, 4)
    unique = sorted(set(entries))
    assert len(unique) < _UNMAPPED, "the thumbnail palette must leave one index free"
    return np.array(unique, dtype=np.int32)


_UNMAPPED = 255  # index of a colour not yet looked up in :func:`_indices`' table


@cache
def _palette() -> tuple[np.ndarray, list[int], np.ndarray]:
    """(palette array, flat palette for Pillow, table colour -> palette index, filled as colours turn up)."""
    palette = _card_palette()
    table = np.full(1 << 24, _UNMAPPED, dtype=np.uint8)  # 16 MB a drawing process
    return palette, [int(v) for v in palette.ravel()], table


def _indices(rgba: memoryview) -> np.ndarray:
    """The palette index of each pixel of an RGBA buffer: the nearest palette colour (exact when
    the colour is one), looked up once per colour per process and then read from a table."""
    palette, _, table = _palette()
    key = np.frombuffer(rgba, dtype="<u4") & 0xFFFFFF  # R | G << 8 | B << 16
    index = np.take(table, key)
    unmapped = index == _UNMAPPED
    if unmapped.any():
        new = np.unique(key[unmapped])
        rgb = np.stack([new & 255, (new >> 8) & 255, new >> 16], axis=-1).astype(np.int32)
        table[new] = ((rgb[:, None, :] - palette[None, :, :]) ** 2).sum(axis=-1).argmin(axis=1)
        index = np.take(table, key)
    return index
