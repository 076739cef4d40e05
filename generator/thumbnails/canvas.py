"""The thumbnail canvas: a 1200x630 figure addressed in pixels, its palette, and text fitting.

Text is measured with matplotlib itself (so what fits is what is drawn), cut
at user-perceived character boundaries (:func:`_clusters`) and wrapped with
kinsoku for CJK. Call everything here under :func:`generator.style.mpl_style`.
"""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager as _fontManager, get_font
from matplotlib.ft2font import RenderMode
from matplotlib.artist import Artist
from matplotlib import rcParams
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.image import FigureImage
from matplotlib.patches import Circle, FancyBboxPatch, Patch, Rectangle
from matplotlib.transforms import IdentityTransform
from matplotlib.text import Text
from PIL import Image
from zlib_ng import zlib_ng

from ..faces import INITIALS_COLOURS
from ..style import _INVISIBLE_OK, MAX_DRAWN_CHARS

WIDTH, HEIGHT, DPI = 1200, 630, 100
#: Glyph bitmaps a drawing process keeps (each a few hundred bytes to a few KB: at most ~100 MB).
MAX_CACHED_GLYPHS = 40_000
#: Laid-out strings a drawing process keeps (glyph indices and pen positions).
MAX_CACHED_LAYOUTS = 4_096
#: Glyph metrics (outline box and advance, per font, size and glyph) a drawing process keeps.
MAX_CACHED_GLYPH_METRICS = 40_000
#: Measured strings (width, height, descent per string, size and weight) a drawing process keeps.
MAX_CACHED_METRICS = 8_192
#: Characters whose layout is put together from the layouts of their pairs (:meth:`_Renderer._paired_layout`):
#: printable ASCII (handles, repo ids, counts, most names and prompts) and the Latin letters of
#: Latin-1 and Latin Extended-A (García, Łukasz), all drawn from the first font, DejaVu Sans.
PAIRED_CHARS = frozenset(map(chr, range(0x20, 0x7F))) | frozenset(map(chr, range(0xC0, 0x180)))
#: What handles and repo ids are written in: the first such string of at least
#: :data:`PREWARM_MIN_CHARS` a style lays out teaches it every pair of these at once (:meth:`_Renderer._learn_pairs`).
PREWARM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-@/. ")
PREWARM_MIN_CHARS = 8
#: The key in a style's pairs that says it has been taught every pair of :data:`PREWARM_CHARS`.
PREWARM_PAIRS = "\0prewarmed"
#: Text styles (size and weight) whose pairs a drawing process keeps.
MAX_PAIR_STYLES = 64
#: Pairs of characters (and single characters) a style keeps (~3 MB); a style past it starts again.
MAX_PAIRS_A_STYLE = 16_384
#: zlib level of the photo PNGs (Pillow's encoder; level 6 takes twice as long for 3% fewer bytes).
PNG_LEVEL = 4
#: zlib-ng level of the palette PNGs. On 80 corpus cards (2026-12-01, best of 3, a busy machine):
#: level 1 26.8 KiB, 2 18.3 KiB in 0.92 ms, 3 17.9 KiB in 1.13 ms, 4 17.7 KiB in 1.46 ms, 5 16.6 KiB
#: in 1.84 ms, 6 16.4 KiB; zlib's own level 4 17.7 KiB in ~5 ms. Level 2 halves the deflate for 10%
#: more bytes (~35 MB more at 20,000 bots, of a 1 GB limit the site is ~300 MB under).
PALETTE_PNG_LEVEL = 2

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


#: Blocks of characters that are laid out left to right, one glyph after another (a ligature such
#: as "fi" is one glyph too), with no shaping that moves a glyph without advancing the pen: text of
#: these alone is measured from its layout (:meth:`_Renderer.measure`). Combining marks, joiners
#: and other format characters are left out by their category (:func:`_by_advances`).
_ADVANCE_BLOCKS = (
    (0x0020, 0x02FF),  # Latin, IPA, spacing modifiers
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x1E00, 0x1FFF),  # Latin extended additional, Greek extended
    (0x2000, 0x2BFF),  # punctuation, symbols, arrows, shapes, dingbats
    (0x2E80, 0x9FFF),  # CJK radicals, symbols and punctuation, kana, compatibility jamo, ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # half- and full-width forms
    (0x1D400, 0x1D7FF),  # mathematical letters ("𝐁𝐨𝐥𝐝")
    (0x1F000, 0x1F1E5),  # game symbols, enclosed letters (not the regional indicators after them)
    (0x1F200, 0x1F3FA),  # emoji (not the skin-tone modifiers after them)
    (0x1F400, 0x1FAFF),
    (0x20000, 0x3FFFF),  # CJK ideographs, extensions
)  # fmt: skip
_ODD_CATEGORIES = frozenset({"Mn", "Mc", "Me", "Cf", "Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
_advance_chars: dict[str, bool] = {}


def _by_advances(s: str) -> bool:
    """Whether every character of ``s`` is one :meth:`_Renderer.measure` measures from the layout
    (left to right, not a mark or a joiner, in :data:`_ADVANCE_BLOCKS`)."""
    known = _advance_chars
    for ch in s:
        ok = known.get(ch)
        if ok is None:
            cp = ord(ch)
            ok = known[ch] = unicodedata.category(ch) not in _ODD_CATEGORIES and any(
                lo <= cp <= hi for lo, hi in _ADVANCE_BLOCKS
            ) and unicodedata.bidirectional(ch) in ("L", "EN", "ES", "ET", "CS", "ON", "WS")
        if not ok:
            return False
    return True


@cache
def _all_pairs(chars: frozenset[str]) -> str:
    """A string in which every ordered pair of ``chars`` (a character twice included) stands
    side by side, each once: a de Bruijn sequence of order 2, ``len(chars) ** 2 + 1`` long."""
    alphabet = sorted(chars)
    k = len(alphabet)
    a = [0] * (k * 2)
    out: list[int] = []

    def db(t: int, p: int) -> None:
        if t > 2:
            if 2 % p == 0:
                out.extend(a[1 : p + 1])
        else:
            a[t] = a[t - p]
            db(t + 1, p)
            for j in range(a[t - p] + 1, k):
                a[t] = j
                db(t + 1, t)

    db(1, 1)
    return "".join(alphabet[i] for i in out + out[:1])


_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])
#: How far from a tie (x.5) a pen in 1/64 px must be for its glyphs' pens to be its own rounded
#: plus their offsets (:meth:`_Renderer.draw_text`): float error is ~1e-11 here.
_NOT_A_TIE = 0.5 - 1e-6


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
    #: The same layouts' glyphs with their offsets in whole 1/64 px (:meth:`_glyph_offsets`).
    _offsets: dict[tuple, tuple | None] = {}
    #: style -> a character or two -> (font, glyph index, x) of the last glyph of its layout, () for a ligature.
    _pairs: dict[FontProperties, dict[str, tuple]] = {}
    #: (font file, size, dpi, glyph) -> (bottom and top of its outline box, advance), in 1/64 px.
    _glyph_metrics: dict[tuple, tuple[int, int, int]] = {}

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
        glyphs, height, dpi = self._glyphs, int(self.height), self.dpi
        placed = []  # (bitmap, left column, bottom row + 1) of each glyph with ink
        # FreeType's pen in 1/64 px, y upwards: round(64 * (x + dx)) for each glyph. A layout's
        # offsets are whole 1/64ths, so that is round(64 * x) plus the glyph's offset, unless 64 * x
        # is (within float error) a tie, which round() breaks to even: then glyph by glyph.
        X, Y = 0x40 * x, 0x40 * (self.height - y)
        rx, ry = round(X), round(Y)
        offsets = self._glyph_offsets(s, prop, features, language)
        if offsets is not None and abs(X - rx) < _NOT_A_TIE and abs(Y - ry) < _NOT_A_TIE:
            pens = [(ft, index, rx + kx, ry + ky) for ft, index, kx, ky in offsets]
        else:
            pens = [
                (ft, index, round(0x40 * (x + dx)), round(0x40 * (self.height - y + dy)))
                for ft, index, dx, dy in self._layout_items(s, prop, features, language)
            ]
        for ft, index, px, py in pens:
            gkey = (ft.fname, size, dpi, index, px & 63, py & 63)
            cached = glyphs.get(gkey)
            if cached is None:
                ft.set_size(size, dpi)
                ft._set_transform(_IDENTITY, [px & 63, py & 63])
                bitmap = ft._render_glyph(index, flags, RenderMode.NORMAL)
                if len(glyphs) >= MAX_CACHED_GLYPHS:
                    glyphs.clear()
                buffer = bitmap.buffer
                cached = glyphs[gkey] = (buffer if buffer.size else None, bitmap.left, bitmap.top)
            buffer, left, top = cached
            if buffer is not None:
                placed.append((buffer, left + (px >> 6), height - top - (py >> 6) + buffer.shape[0]))
        self._blit(placed, gc)

    def _glyph_offsets(self, s: str, prop: FontProperties, features=None, language=None) -> tuple | None:  # type: ignore[no-untyped-def]
        """(font, glyph index, x, y) of each glyph of ``s`` with x and y in whole 1/64 px (FreeType's
        units, y upwards), or None if an offset is not a whole 1/64 px; once per string and style."""
        key = (prop, s, features, language)
        offsets = self._offsets.get(key, False)
        if offsets is False:
            offsets = []
            for ft, index, dx, dy in self._layout_items(s, prop, features, language):
                kx, ky = 0x40 * dx, 0x40 * dy
                if not (kx.is_integer() and ky.is_integer()):
                    offsets = None
                    break
                offsets.append((ft, index, int(kx), int(ky)))
            if len(self._offsets) >= MAX_CACHED_LAYOUTS:
                self._offsets.clear()
            offsets = self._offsets[(prop.copy(), s, features, language)] = None if offsets is None else tuple(offsets)
        return offsets

    def _layout_items(self, s: str, prop: FontProperties, features=None, language=None) -> tuple:  # type: ignore[no-untyped-def]
        """(font, glyph index, x, y) of each glyph of ``s``, as ``font._layout`` (which Agg's
        ``draw_text`` uses) gives them, once per string and style."""
        key = (prop, s, features, language)
        items = self._layouts.get(key)
        if items is None:
            items = None if features or language else self._paired_layout(s, prop)
            if items is None:
                font = self._prepare_font(prop)
                items = tuple(
                    (item.ft_object, item.glyph_index, item.x, item.y)
                    for item in font._layout(s, flags=get_hinting_flag(), features=features, language=language)
                )
            if len(self._layouts) >= MAX_CACHED_LAYOUTS:
                self._layouts.clear()
            self._layouts[(prop.copy(), s, features, language)] = items
        return items

    def _paired_layout(self, s: str, prop: FontProperties) -> tuple | None:
        """The layout of a string of :data:`PAIRED_CHARS` (handles, repo ids, counts, names: new on
        every card) put together from the layouts of its pairs of characters, or None.

        Laying out costs ~80 µs a call and ~25 µs a character (FreeType loads and hints each
        glyph, HarfBuzz shapes). These characters take no ligature or mark from each other in our
        fonts, only a kerning between neighbours, so a glyph's pen is the previous glyph's plus
        where the second glyph of their two-character layout stands: the same floats (multiples
        of 1/64). A string with pairs not seen yet is laid out once, whole, and every pair is
        learnt from it (:meth:`_learn_pairs`); a pair that shapes into one glyph (a ligature, such
        as "fi") sends the whole string to the real layout. Tests compare the two on every pair
        and many strings.
        """
        if not s or not PAIRED_CHARS.issuperset(s):
            return None
        pairs = self._pairs.get(prop)
        if pairs is None:
            if len(self._pairs) >= MAX_PAIR_STYLES:
                self._pairs.clear()
            pairs = self._pairs[prop.copy()] = {}
        for attempt in range(2):
            out = []
            x = 0.0
            for i in range(len(s)):
                known = pairs.get(s[i - 1 : i + 1] if i else s[0])
                if not known:
                    break
                ft, index, dx = known
                x += dx
                out.append((ft, index, x, 0.0))
            else:
                return tuple(out)
            if known is not None or attempt:  # a ligature
                return None
            self._learn_pairs(s, prop, pairs)
        return None

    def _learn_pairs(self, s: str, prop: FontProperties, pairs: dict[str, tuple]) -> None:
        """Put the pairs of ``s`` not known yet into ``pairs``, from one layout of the whole string:
        a pair's second glyph stands where the string's glyph stands past the first's pen. A pair
        with a character of a ligature (a glyph of several characters) is laid out alone. The
        first string of handle characters a style meets also lays out :func:`_all_pairs` of
        :data:`PREWARM_CHARS` once (~40 ms), where handles and repo ids would learn a few pairs
        a card for hundreds of cards."""
        if len(pairs) >= MAX_PAIRS_A_STYLE:
            pairs.clear()
        font = self._prepare_font(prop)
        flags = get_hinting_flag()
        if PREWARM_PAIRS not in pairs and len(s) >= PREWARM_MIN_CHARS and PREWARM_CHARS.issuperset(s):
            pairs[PREWARM_PAIRS] = ()
            self._learn_from(_all_pairs(PREWARM_CHARS), font, pairs)
            # The pairs beside a ligature there ("ffi"): once more, each between spaces.
            alphabet = sorted(PREWARM_CHARS)
            missing = [a + b for a in alphabet for b in alphabet if a + b not in pairs]
            if missing:
                self._learn_from(" ".join(missing), font, pairs)
        self._learn_from(s, font, pairs)
        for i in range(len(s)):
            key = s[i - 1 : i + 1] if i else s[0]
            if key not in pairs:
                alone = font._layout(key, flags=flags)
                if len(alone) != len(key):  # shaped into one glyph: not put together from pairs
                    pairs[key] = ()
                else:
                    last = alone[-1]
                    pairs[key] = (last.ft_object, last.glyph_index, last.x)

    @staticmethod
    def _learn_from(text: str, font, pairs: dict[str, tuple]) -> None:  # type: ignore[no-untyped-def]
        """The pairs of ``text`` not in ``pairs`` yet, from one layout of it, where both of a pair's
        characters are glyphs of their own (not of a ligature)."""
        laid = font._layout(text, flags=get_hinting_flag())
        if "".join(item.char for item in laid) != text:  # glyphs not read as the characters in order
            return
        i, previous = 0, None  # the character the next glyph starts at; the glyph before, if of one character
        for item in laid:
            chars = item.char
            if len(chars) == 1:
                key = text[i - 1 : i + 1] if i else chars
                if key not in pairs and (previous is not None or not i):
                    pairs[key] = (item.ft_object, item.glyph_index, item.x - previous.x if i else item.x)
                previous = item
            else:  # a ligature: its characters' pairs are laid out alone
                previous = None
            i += len(chars)

    def measure(self, s: str, prop: FontProperties) -> tuple[float, float, float]:
        """(width, height, descent) in pixels: what :meth:`RendererAgg.get_text_width_height_descent`
        gives (so what :class:`Text` lays out with), from the layout that draws ``s``.

        matplotlib measures a string by shaping it again (``FT2Font.set_text``), which costs what
        laying it out costs (about 15 µs a character: FreeType loads and hints every glyph). For
        left-to-right text without marks or joiners (:func:`_by_advances`) its figures are those
        of the layout: the width is the pen's advance past the last glyph, the height and descent
        the extent of the glyphs' outline boxes, each glyph's box and advance loaded once per
        process. Other text is measured by matplotlib itself. Tests compare the two.
        """
        if not s or not _by_advances(s):
            return RendererAgg.get_text_width_height_descent(self, s, prop, False)
        items = self._layout_items(s, prop)
        size, dpi, flags = prop.get_size_in_points(), self.dpi, get_hinting_flag()
        metrics = self._glyph_metrics
        y_min, y_max, end = 32000 * 64, -32000 * 64, 0
        for ft, index, x, y in items:
            key = (ft.fname, size, dpi, index)
            known = metrics.get(key)
            if known is None:
                ft.set_size(size, dpi)
                glyph = ft.load_glyph(index, flags=flags)
                if len(metrics) >= MAX_CACHED_GLYPH_METRICS:
                    metrics.clear()
                known = metrics[key] = (glyph.bbox[1], glyph.bbox[3], glyph.horiAdvance)
            low, high, advance = known
            pen_y = round(y * 64)
            y_min, y_max = min(y_min, low + pen_y), max(y_max, high + pen_y)
            end = round(x * 64) + advance
        if not items:
            return 0.0, 0.0, 0.0
        return end / 64, (y_max - y_min) / 64, -y_min / 64

    def _blit(self, placed: list[tuple[np.ndarray, int, int]], gc) -> None:  # type: ignore[no-untyped-def]
        """Blend glyph bitmaps, each as ``draw_text_image(bitmap, left, bottom)`` would, in order.

        A blank pixel of a bitmap (coverage 0) leaves the canvas as it is, so glyphs whose inked
        pixels do not meet can be put into one bitmap and blended in one call, with the same
        result; matplotlib's per-call cost (reading the graphics context) is then paid once a
        line, not once a glyph. A glyph that would ink a pixel another already inks starts a new
        bitmap, so pixels blended twice are blended in the original order.
        """
        draw = self._renderer.draw_text_image
        start = 0
        while start < len(placed):
            x0 = min(left for _, left, _ in placed[start:])
            x1 = max(left + b.shape[1] for b, left, _ in placed[start:])
            y0 = min(bottom - b.shape[0] for b, _, bottom in placed[start:])
            y1 = max(bottom for _, _, bottom in placed[start:])
            run = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
            right = x0  # the right edge of the ink so far: a glyph left of it may touch earlier ones
            end = start
            while end < len(placed):
                buffer, left, bottom = placed[end]
                h, w = buffer.shape
                view = run[bottom - h - y0 : bottom - y0, left - x0 : left - x0 + w]
                if left < right and np.minimum(view, buffer).any():
                    break  # inks a pixel already inked: blended after what is before it
                np.maximum(view, buffer, out=view)
                right = max(right, left + w)
                end += 1
            draw(run, x0, y1, 0, gc)
            start = end


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
#: The same backgrounds' pixels (RGBA as uint32) and their PNG rows of palette indices (:func:`_changed_rows`).
_background_pixels: dict[str, tuple[np.ndarray, np.ndarray]] = {}


@cache
def _font(px: float, weight: str) -> FontProperties:
    """The font properties a ``Text(fontsize=_pt(px), fontweight=weight)`` gets (only called under
    :func:`mpl_style`, whose font family they copy)."""
    prop = FontProperties()
    prop.set_size(_pt(px))
    prop.set_weight(weight)
    return prop


@lru_cache(maxsize=MAX_CACHED_METRICS)
def _metrics(s: str, px: float, weight: str) -> tuple[float, float, float]:
    """(width, height, descent) of one line in pixels: what :meth:`Text._get_layout` measures
    (:meth:`_Renderer.measure`), once per string, size and weight."""
    renderer = _measuring_figure().canvas.get_renderer()
    return renderer.measure(s, _font(px, weight))


def _text_width(s: str, px: float, weight: str) -> float:
    """Width in pixels of one line of text, as a Text's window extent gives it (only called under :func:`mpl_style`)."""
    if not s:
        return 0.0
    return _metrics(s, px, weight)[0]


def _line_offset(
    renderer: RendererAgg, s: str, px: float, weight: str, ha: str, va: str
) -> tuple[float, float] | None:
    """Where :meth:`Text.draw` puts the pen of a one-line, unrotated text relative to its anchor:
    :meth:`Text._get_layout`'s arithmetic for that case, step by step (so the same floats come out).
    None when the font has no height metrics (the caller then draws a real Text)."""
    min_ascent, min_descent, _ = renderer._get_font_height_metrics(_font(px, weight))
    if min_ascent is None or min_descent is None:
        return None
    w, h, d = _metrics(s, px, weight)
    a = max(h - d, min_ascent) + 0 / 2  # one line: no line gap
    d = max(d, min_descent) + 0 / 2
    baseline = a - 0.0
    y = 0.0 - a
    ymin = y - d
    x = {"left": 0.0, "center": 0.0 + w / 2 - w / 2, "right": 0.0 + w - w}[ha]
    xmin, xmax, ymax = min(0, w), max(0, w), max(ymin, 0)
    ymin = min(ymin, 0)
    offsetx = {"left": xmin, "right": xmax, "center": (xmin + xmax) / 2}[ha]
    offsety = {
        "bottom": ymin,
        "top": ymax,
        "center": (ymin + ymax) / 2,
        "baseline": ymin + d,
        "center_baseline": ymin + (ymax - ymin) - baseline / 2,
    }[va]
    return x - offsetx, y - offsety


@dataclass(frozen=True)
class _TextOp:
    """One line of text to draw: what ``fig.text(x / WIDTH, 1 - y / HEIGHT, s, ...)`` would be given."""

    x: float
    y: float
    s: str
    px: float
    color: str
    weight: str
    ha: str
    va: str

    def artist(self, fig: Figure, zorder: float) -> Text:
        return fig.text(
            self.x / WIDTH, 1 - self.y / HEIGHT, self.s, fontsize=_pt(self.px), parse_math=False, color=self.color,
            fontweight=self.weight, ha=self.ha, va=self.va, zorder=zorder,
        )  # fmt: skip

    def draw(self, fig: Figure, renderer: RendererAgg) -> None:
        """What :meth:`Text.draw` does for this text, without making the artist."""
        if not self.s:
            return
        prop = _font(self.px, self.weight)
        offset = None if "\n" in self.s else _line_offset(renderer, self.s, self.px, self.weight, self.ha, self.va)
        if offset is None:  # not the one-line case: matplotlib's own way
            text = self.artist(fig, 0)
            text.draw(renderer)
            text.remove()
            return
        posx, posy = fig.transSubfigure.transform((self.x / WIDTH, 1 - self.y / HEIGHT))
        gc = renderer.new_gc()
        gc.set_foreground(to_rgba(self.color), isRGBA=True)
        gc.set_alpha(None)
        gc.set_antialiased(rcParams["text.antialiased"])
        x, y = offset[0] + posx, offset[1] + posy
        if renderer.flipy():  # Agg's text is placed from the top
            y = renderer.get_canvas_width_height()[1] - y
        renderer.draw_text(gc, x, y, self.s, prop, 0, ismath=False, mtext=None)
        gc.restore()


_NO_LINE_START = frozenset("、。，．：；？！）」』】〕〉》・ー,.!?;:)]}")


#: Patches of this process by kind, reused card after card (:meth:`_Canvas.rect` and friends).
_patches: dict[tuple, list[Patch]] = {}


@cache
def _rgba(colour: str) -> tuple[float, float, float, float]:
    return to_rgba(colour)


@cache
def _shape_style(kind: str, linewidth: float | None) -> tuple[Patch, object] | None:
    """(a prototype patch of ``kind``, its unit path) whose graphics-context settings
    :meth:`_ShapeOp.draw` copies, made once a process under :func:`mpl_style` (whose rcParams
    never change); None if the patch has something :meth:`_ShapeOp.draw` does not copy."""
    proto = Rectangle((0, 0), 1, 1, linewidth=linewidth) if kind == "rect" else Circle((0, 0), 1)
    if proto._hatch or proto.get_sketch_params() is not None or proto.get_path_effects() or proto._gapcolor is not None:
        return None
    return proto, proto.get_path()


@dataclass(frozen=True)
class _ShapeOp:
    """A rectangle (``a, b`` its corner, ``c, d`` its width and height) or a circle (``a, b`` its
    centre, ``c`` its radius) in pixels, filled and edged in ``color``: what a ``Rectangle`` or
    ``Circle`` patch with an identity transform draws, without making the patch.

    :meth:`Patch.draw` costs ~100 µs of Python a patch (its transform composed anew, a graphics
    context set from a dozen properties); Agg is given here the same unit path, the same matrix
    (the transform's product worked out: these shapes are neither rotated nor skewed, so it is
    the scale and the offset, the same floats) and the same graphics context.
    """

    kind: str
    a: float
    b: float
    c: float
    d: float
    color: str
    linewidth: float | None

    def artist(self) -> Patch:
        """The patch itself (for :meth:`_Canvas._draw_reference`)."""
        if self.kind == "rect":
            return Rectangle((self.a, self.b), self.c, self.d, transform=IdentityTransform(), color=self.color, linewidth=self.linewidth)
        return Circle((self.a, self.b), self.c, transform=IdentityTransform(), color=self.color)

    def matrix(self) -> np.ndarray:
        """``patch.get_transform().get_matrix()`` of the patch: for a rectangle, ``BboxTransformTo``
        of its extents (width and height as ``x0 + w - x0``); for a circle, its radius and centre."""
        if self.kind == "rect":
            x0, y0 = self.a, self.b
            return np.array([[(x0 + self.c) - x0, 0.0, x0], [0.0, (y0 + self.d) - y0, y0], [0.0, 0.0, 1.0]])
        r = (self.c * 2) * 0.5
        return np.array([[r, 0.0, self.a], [0.0, r, self.b], [0.0, 0.0, 1.0]])

    def draw(self, renderer: RendererAgg) -> None:
        """What ``Patch.draw`` does for this shape (``_draw_paths_with_artist_properties``, one path)."""
        style = _shape_style(self.kind, self.linewidth)
        if style is None:
            self.artist().draw(renderer)
            return
        proto, path = style
        rgba = _rgba(self.color)
        gc = renderer.new_gc()
        lw = 0 if rgba[3] == 0 or proto._linestyle == "None" else proto._linewidth
        gc.set_linewidth(lw)
        gc.set_capstyle(proto._capstyle)
        gc.set_joinstyle(proto._joinstyle)
        gc.set_antialiased(proto._antialiased)
        gc.set_snap(proto.get_snap())
        gc.set_alpha(None)
        gc.set_foreground(rgba, isRGBA=True)
        if lw > 0:
            gc.set_dashes(*proto._dash_pattern)
        else:
            gc.set_dashes(0, None)
        renderer.draw_path(gc, path, self.matrix(), rgba if rgba[3] else None)
        gc.restore()


#: matplotlib draws a figure's children by z-order, ties in the order of :meth:`Figure.get_children`:
#: artists added with ``add_artist`` (our patches), then texts, then images.
_PATCH, _TEXT, _IMAGE = 0, 1, 2


class _Canvas:
    """A 1200x630 figure addressed in pixels from the top-left, with text measuring.

    What a card draws is recorded (patches, images, :class:`_TextOp` lines of
    text), not added to the figure: :meth:`_draw` draws it in matplotlib's
    order over the cached background without making a Text artist per line,
    and :meth:`_draw_reference` hands the same things to matplotlib as real
    artists, for the tests that compare the two.
    """

    def __init__(self) -> None:
        self.fig = _measuring_figure()
        for group in (self.fig.artists, self.fig.texts, self.fig.images, self.fig.patches, self.fig.lines):
            for artist in list(group):  # the previous card's background
                artist.remove()
        self.fig.patch.set_facecolor(PAGE)
        self.photo = False  # set when a cached avatar image is drawn
        self.fixed: list[Artist] = []  # drawn the same on every card: see :meth:`background`
        self.fixed_key: str | None = None
        self.items: list[tuple[float, int, int, Artist | _TextOp | _ShapeOp]] = []  # (z-order, group, sequence, what)
        self._taken: dict[tuple, int] = {}  # patches of each kind this card took from :data:`_patches`

    def background(self, key: str, artists: list[Artist]) -> None:
        """Add ``artists``, which every card draws the same way and under everything else, as the
        background named ``key``: it is rasterised once per process, then copied onto each card."""
        for artist in artists:
            self.fig.add_artist(artist)
        self.fixed, self.fixed_key = artists, key

    def add(self, artist: Artist) -> None:
        """Draw a patch (its transform in pixels), as ``fig.add_artist`` would."""
        self.items.append((artist.get_zorder(), _PATCH, len(self.items), artist))

    def _patch(self, kind: tuple, make) -> Patch:  # type: ignore[no-untyped-def]
        """The next patch of ``kind`` this card has not used yet: made once a process (making a
        patch costs about as much as drawing it), then set anew by the caller for each card."""
        n = self._taken.get(kind, 0)
        self._taken[kind] = n + 1
        pool = _patches.setdefault(kind, [])
        if n == len(pool):
            pool.append(make())
        return pool[n]

    def rect(self, xy: tuple[float, float], w: float, h: float, *, color: str, zorder: float = 1,
             linewidth: float | None = None) -> None:  # fmt: skip
        """Draw ``Rectangle(xy, w, h, color=color, zorder=zorder, linewidth=linewidth)`` in pixels."""
        self.items.append((zorder, _PATCH, len(self.items), _ShapeOp("rect", xy[0], xy[1], w, h, color, linewidth)))

    def circle(self, xy: tuple[float, float], r: float, *, color: str, zorder: float) -> None:
        """Draw ``Circle(xy, r, color=color, zorder=zorder)`` in pixels."""
        self.items.append((zorder, _PATCH, len(self.items), _ShapeOp("circle", xy[0], xy[1], r, 0.0, color, None)))

    def pill(self, xy: tuple[float, float], w: float, h: float, *, color: str, zorder: float) -> None:
        """Draw a ``FancyBboxPatch(xy, w, h)`` with round ends (``rounding_size`` h / 2) in pixels."""
        pill = self._patch(("pill",), lambda: FancyBboxPatch((0, 0), 1, 1, boxstyle="round,pad=0", transform=IdentityTransform()))
        pill.set_bounds(xy[0], xy[1], w, h)
        pill.set_boxstyle("round", pad=0.0, rounding_size=h / 2)
        pill.set_color(color)
        pill.set_zorder(zorder)
        self.add(pill)

    def image(self, pixels: np.ndarray, *, xo: float, yo: float, zorder: float) -> None:
        """Draw ``pixels`` unscaled with the bottom-left at (xo, yo), as ``fig.figimage(origin="upper")`` would."""
        image = self.fig.figimage(pixels, xo=xo, yo=yo, zorder=zorder, origin="upper")
        self.fig.images.remove(image)  # still the figure's (it draws at its dpi), drawn by :meth:`_draw`
        self.photo = True
        self.items.append((zorder, _IMAGE, len(self.items), image))

    def _sorted(self) -> list[Artist | _TextOp | _ShapeOp]:
        return [what for *_, what in sorted(self.items, key=lambda item: item[:3])]

    def _draw(self) -> None:
        """What ``fig.canvas.draw()`` would draw, starting from the background's pixels: the
        recorded items in matplotlib's own order (by z-order, then as added), over a copy of it."""
        renderer = self.fig.canvas.get_renderer()
        region = _backgrounds.get(self.fixed_key) if self.fixed_key else None
        if region is None:
            renderer.clear()
            self.fig.patch.draw(renderer)
            for artist in sorted(self.fixed, key=lambda a: a.get_zorder()):
                artist.draw(renderer)
            if self.fixed_key:
                region = _backgrounds[self.fixed_key] = renderer.copy_from_bbox(self.fig.bbox)
                pixels = np.frombuffer(renderer.buffer_rgba(), dtype="<u4").reshape(HEIGHT, WIDTH).copy()
                _background_pixels[self.fixed_key] = (pixels, _png_rows(_indices(pixels)))
        else:
            renderer.restore_region(region)
        for what in self._sorted():
            if isinstance(what, _TextOp):
                what.draw(self.fig, renderer)
            else:
                what.draw(renderer)

    def _draw_reference(self) -> None:
        """The same card drawn by matplotlib alone: every item a real artist of the figure, then
        ``fig.canvas.draw()`` (the tests compare its pixels with :meth:`_draw`'s)."""
        added = []
        for z, group, _, what in sorted(self.items, key=lambda item: item[:3]):
            if isinstance(what, _TextOp):
                added.append(what.artist(self.fig, z))
            elif group == _IMAGE:
                self.fig.images.append(what)
            else:
                added.append(self.fig.add_artist(what.artist() if isinstance(what, _ShapeOp) else what))
        try:
            self.fig.canvas.draw()
        finally:
            for artist in added:
                artist.remove()
            self.fig.images.clear()

    def text(
        self, x: float, y: float, s: str, *, px: float, color: str, weight: str = "normal", ha: str = "left",
        va: str = "top", zorder: float = 3,
    ) -> None:  # fmt: skip
        """Draw ``s`` anchored at (x, y) px from the top-left (``va="top"`` unless given)."""
        op = _TextOp(x, y, s, px, color, weight, ha, va)
        self.items.append((zorder, _TEXT, len(self.items), op))

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
            out = io.BytesIO()
            image.save(out, format="PNG", compress_level=PNG_LEVEL)
            return out.getvalue()
        # Flat colours and anti-aliased text: a palette (:func:`_card_palette`)
        # looks the same at a third of the bytes, and mapping to a palette
        # known in advance costs a fraction of quantising each card.
        pixels = np.frombuffer(rgba, dtype="<u4").reshape(HEIGHT, WIDTH)
        background = _background_pixels.get(self.fixed_key) if self.fixed_key else None
        rows = _png_rows(_indices(pixels)) if background is None else _changed_rows(pixels, background)
        return _palette_png(rows, _palette()[0])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_rows(indices: np.ndarray) -> np.ndarray:
    """PNG's rows of ``indices`` (rows of palette indices): each row filter type 0 (none), then its pixels."""
    height, width = indices.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)
    rows[:, 1:] = indices
    return rows


def _palette_png(rows: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG of ``rows`` (:func:`_png_rows`: every row unfiltered, then its palette indices).

    Written here rather than by Pillow, to compress with zlib-ng (a zlib stream like any
    other, in a quarter of zlib's time for 7% fewer bytes, :data:`PALETTE_PNG_LEVEL`). PNG's
    filters do not pay on a palette image (PNG's own advice; on our cards "up" and "sub" both
    come out 13-18% larger than no filter).
    """
    height, width = rows.shape[0], rows.shape[1] - 1
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", header),
        _chunk(b"PLTE", palette.astype(np.uint8).tobytes()),
        _chunk(b"IDAT", zlib_ng.compress(rows, PALETTE_PNG_LEVEL)),
        _chunk(b"IEND", b""),
    ))  # fmt: skip


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


def _indices(pixels: np.ndarray) -> np.ndarray:
    """The palette index of each pixel of ``pixels`` (RGBA as little-endian uint32, any shape): the
    nearest palette colour (exact when the colour is one), looked up once per colour per process
    and then read from a table."""
    palette, _, table = _palette()
    key = np.bitwise_and(pixels, 0xFFFFFF, dtype=np.intp)  # R | G << 8 | B << 16
    index = np.empty(key.shape, dtype=np.uint8)
    # Straight into uint8, and mode="clip" (every key is in the table) spares take a buffered copy.
    np.take(table, key, out=index, mode="clip")
    if index.size and index.max() == _UNMAPPED:  # the palette has fewer colours, so this is a colour not seen yet
        unmapped = index == _UNMAPPED
        new = np.unique(key[unmapped])
        rgb = np.stack([new & 255, (new >> 8) & 255, new >> 16], axis=-1).astype(np.int32)
        table[new] = ((rgb[:, None, :] - palette[None, :, :]) ** 2).sum(axis=-1).argmin(axis=1)
        np.take(table, key, out=index, mode="clip")
    return index


def _changed_rows(pixels: np.ndarray, background: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The PNG rows (:func:`_png_rows`) of :func:`_indices` of a card's (HEIGHT, WIDTH) pixels drawn
    over ``background`` (its pixels and their rows): a pixel the card left as the background's
    has the background's index, so only the pixels that differ (about a tenth of a card) are
    looked up, in one call, straight into a copy of the background's rows."""
    bg_pixels, bg_rows = background
    rows = bg_rows.copy()
    changed = pixels != bg_pixels
    rows[:, 1:][changed] = _indices(pixels[changed])
    return rows
