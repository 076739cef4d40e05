"""Prediction thumbnails: one 1200x630 tweet-style PNG per bot, drawn with matplotlib.

huggingtweets.com used to serve a ``predictions.png`` per model: the avatar(s),
the name, "AI BOT" or "AI CYBORG", the widget prompt and one generated
continuation. That service is gone, so this module draws our own, at the Open
Graph size, from nothing but a :class:`~generator.models.Bot`:

* avatars (up to three, overlapping circles): a cached image when
  ``avatars_dir`` holds one for the avatar URL (:func:`avatar_cache_path`),
  else a deterministic initials avatar; nothing is ever fetched;
* display names, ``@<repo name>`` and the badge;
* the widget prompt followed by one generated sample when ``samples`` has one,
  otherwise a small stacked bar chart of the training data per account.

Why the care:

* Card text is untrusted and in every script. All text goes through
  :func:`clean_text` (controls and bidi overrides dropped, characters no
  installed font covers dropped, so no empty boxes) and is drawn with mathtext
  and TeX off, so ``$x^2$`` stays literal. Fonts fall back along
  :data:`FONT_FAMILY`; matplotlib shapes text with libraqm, so Arabic joins
  and emoji ZWJ sequences compose.
* The same input gives byte-identical PNGs (no metadata, defaults reset), and
  a manifest of input hashes in ``out_dir/.manifest.json`` skips bots whose
  drawn fields did not change; PNGs of bots that left the list are removed.
* Drawing 5,000 bots is CPU-bound: it runs on all cores in chunks.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import IdentityTransform
from PIL import Image, ImageDraw

from . import snapshot
from .errors import OutputCollisionError
from .models import Bot

__all__ = [
    "FONT_FAMILY", "WIDTH", "HEIGHT", "avatar_cache_path", "avatar_cache_stem", "clean_text", "draw_thumbnails", "initials_avatar", "mpl_style",
]  # fmt: skip

#: The drawing code's version: a hash of this module, so any edit redraws every thumbnail once.
DRAW_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
WIDTH, HEIGHT, DPI = 1200, 630, 100
#: Latin, Greek, Cyrillic, Arabic... then CJK, then emoji and symbols (Debian
#: packages fonts-noto-cjk and fonts-symbola; DejaVu Sans ships with matplotlib).
FONT_FAMILY = ["DejaVu Sans", "Noto Sans CJK JP", "Symbola"]
DEFAULT_PROMPT = "My dream is"
MANIFEST = ".manifest.json"
AVATAR_SUFFIXES = (".jpg", ".png")

# Palette: tweet-card neutrals, one accent per badge, one colour per count.
INK, MUTED, FAINT, PAPER, PAGE = "#0f1419", "#536471", "#cfd9de", "#ffffff", "#eef3f7"
BADGE_COLOURS = {"bot": "#1d9bf0", "cyborg": "#7856ff"}
COUNT_COLOURS = {"kept": "#1d9bf0", "short": "#ffad1f", "retweets": "#aab8c2"}
INITIALS_COLOURS = (
    "#1d9bf0", "#7856ff", "#f91880", "#00ba7c", "#ff7a00", "#e0245e",
    "#17bf63", "#794bc4", "#f45d22", "#0e7490", "#b45309", "#4f46e5",
)  # fmt: skip

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
            print(f"thumbnails: font {family!r} is not installed; text it alone covers is left out", file=sys.stderr)
            continue
        points.update(FT2Font(path).get_charmap())
    return frozenset(points)


def clean_text(text: str | None) -> str:
    """``text`` made safe to draw: one line, only characters some font can show.

    Whitespace and control characters become single spaces, format characters
    other than joiners and tags (e.g. bidi overrides) are dropped, and so is
    anything no font in :data:`FONT_FAMILY` covers (it would be an empty box).
    """
    covered = _coverage()
    out = []
    for ch in text or "":
        cat = unicodedata.category(ch)
        if ch.isspace() or cat == "Cc":
            out.append(" ")
        elif ord(ch) in _INVISIBLE_OK or (cat != "Cf" and ord(ch) in covered):
            out.append(ch)
    return " ".join("".join(out).split())


def avatar_cache_path(avatars_dir: Path, url: str) -> Path | None:
    """The cached image for avatar ``url`` in ``avatars_dir``, or ``None`` if there is none.

    The layout is ``avatars_dir/<sha256(url).hexdigest()[:16]>.jpg`` (or
    ``.png``); the avatar fetcher writes the same names via :func:`avatar_cache_stem`.
    """
    stem = avatar_cache_stem(url)
    for suffix in AVATAR_SUFFIXES:
        path = avatars_dir / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def avatar_cache_stem(url: str) -> str:
    """The file name (without suffix) an avatar URL is cached under."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


# --- what is drawn ------------------------------------------------------------


@dataclass(frozen=True)
class _Face:
    """One avatar: a cached image (path and content digest) or initials on a colour."""

    initials: str
    colour: str
    image: str | None
    image_digest: str | None


@dataclass(frozen=True)
class _Row:
    """One account's bar in the training-data chart."""

    label: str
    kept: int | None
    short: int | None
    retweets: int | None


@dataclass(frozen=True)
class _Card:
    """Exactly the fields a thumbnail shows; its hash decides whether to redraw."""

    id: str
    name: str
    kind: str
    title: str
    handle: str
    faces: tuple[_Face, ...]
    prompt: str
    sample: str | None
    rows: tuple[_Row, ...]
    kept_total: int | None
    downloaded_total: int | None

    def digest(self) -> str:
        card = asdict(self)
        for face in card["faces"]:
            del face["image"]  # the avatar's bytes count (image_digest), not where the cache lives
        data = {"version": DRAW_VERSION, "matplotlib": matplotlib.__version__, "card": card}
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _initials(name: str | None, handle: str | None) -> str:
    """Initials from the display name's words (NFKC, so 𝐁 -> B), else from the handle.

    Two only when both are Latin letters: mixed scripts read in no order.
    """
    letters = [w[0] for w in unicodedata.normalize("NFKC", clean_text(name)).split() if w[0].isalpha()]
    if len(letters) >= 2 and all(ch.isascii() for ch in letters[:2]):
        return "".join(letters[:2]).upper()
    return (letters[0] if letters else (handle or "?")[:1]).upper()


def initials_avatar(name: str | None, handle: str | None) -> tuple[str, str]:
    """The initials and colour drawn for an account without a cached avatar.

    Public so the pages draw the same face as the thumbnail. The colour
    depends on the handle only, so an account looks the same in every bot.

    >>> initials_avatar("Don Hughes", "getfiscal")[0]
    'DH'
    """
    key = (handle or name or "?").lower()
    colour = INITIALS_COLOURS[int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % len(INITIALS_COLOURS)]
    return _initials(name, handle), colour


def _face(user_name: str | None, handle: str | None, avatar: str | None, avatars_dir: Path | None) -> _Face:
    initials, colour = initials_avatar(user_name, handle)
    image = avatar_cache_path(avatars_dir, avatar) if avatars_dir and avatar else None
    digest = hashlib.sha256(image.read_bytes()).hexdigest() if image else None
    return _Face(initials, colour, str(image) if image else None, digest)


def _card(bot: Bot, avatars_dir: Path | None, samples: Mapping[str, Sequence[str]] | None) -> _Card:
    sample = next((s for s in map(clean_text, (samples or {}).get(bot.name, ())) if s), None)
    totals = bot.totals
    return _Card(
        id=bot.id,
        name=bot.name,
        kind=bot.kind,
        title=clean_text(bot.display_name) or bot.name,
        handle="@" + bot.name,
        faces=tuple(_face(u.name, u.handle, u.avatar, avatars_dir) for u in bot.users[:3])
        or (_face(None, bot.name, None, None),),
        prompt=clean_text(bot.widget_prompt) or DEFAULT_PROMPT,
        sample=sample,
        rows=tuple(
            _Row("@" + u.handle if u.handle else clean_text(u.name) or "?", u.tweets_kept, u.short_tweets, u.retweets)
            for u in bot.users
        ),
        kept_total=totals["tweets_kept"],
        downloaded_total=totals["tweets_downloaded"],
    )


# --- drawing ------------------------------------------------------------------


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


@cache
def _measuring_figure() -> Figure:
    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
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
        self.fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        FigureCanvasAgg(self.fig)
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
        if self.width(s, px=px, weight=weight) <= max_w:
            return s
        parts = _clusters(s)
        lo, hi = 0, len(parts)
        while lo < hi:  # longest prefix that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if self.width("".join(parts[:mid]).rstrip() + "…", px=px, weight=weight) <= max_w:
                lo = mid
            else:
                hi = mid - 1
        return "".join(parts[:lo]).rstrip() + "…"

    def wrap(self, words: list[str], widths: list[float], *, px: float, max_lines: int) -> list[str]:
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
            if self.width(candidate, px=px) <= limit:
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
                    if self.width("".join(parts[:mid]), px=px) <= limit:
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
            lines[-1] = self.fit(lines[-1] + " " + " ".join(queue), last, px=px)
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


_AVATAR_D = 128  # avatar diameter, px
_AVATAR_STEP = 88  # horizontal offset between overlapping avatars
_CARD = (40, 32, 1160, 598)  # x0, y0, x1, y1 of the white card
_PAD = 48


def _round_image(path: str, d: int, model: str) -> np.ndarray | None:
    """A cached avatar cropped to a centred square, resized to ``d`` px, with a round alpha mask."""
    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        print(f"thumbnails: {model}: cached avatar {path} unreadable ({exc}); drawing initials", file=sys.stderr)
        return None
    side = min(im.size)
    left, top = (im.width - side) // 2, (im.height - side) // 2
    im = im.crop((left, top, left + side, top + side)).resize((d, d), Image.Resampling.LANCZOS)
    mask = Image.new("L", (d * 4, d * 4), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, d * 4 - 1, d * 4 - 1), fill=255)
    im.putalpha(mask.resize((d, d), Image.Resampling.LANCZOS))
    return np.asarray(im)


def _draw_faces(c: _Canvas, faces: tuple[_Face, ...], x: float, y: float, model: str) -> float:
    """Overlapping round avatars from (x, y) top-left; the first is on top. Returns the right edge."""
    d, r = _AVATAR_D, _AVATAR_D / 2
    for i, face in enumerate(faces):
        cx, cy = x + i * _AVATAR_STEP + r, y + r
        z = 10 - 2 * i
        ring = Circle((cx, HEIGHT - cy), r + 5, transform=IdentityTransform(), color=PAPER, zorder=z)
        c.fig.add_artist(ring)
        pixels = _round_image(face.image, d, model) if face.image else None
        if pixels is not None:
            c.fig.figimage(pixels, xo=cx - r, yo=HEIGHT - cy - r, zorder=z + 1, origin="upper")
            c.photo = True
            continue
        disc = Circle((cx, HEIGHT - cy), r, transform=IdentityTransform(), color=face.colour, zorder=z + 1)
        c.fig.add_artist(disc)
        px = 52 if len(face.initials) < 2 else 44
        label = c.fit(face.initials, d - 24, px=px, weight="bold")
        c.text(cx, cy, label, px=px, color=PAPER, weight="bold", ha="center", va="center_baseline", zorder=z + 2)
    return x + (len(faces) - 1) * _AVATAR_STEP + d


def _badge(c: _Canvas, kind: str, x: float, y: float, *, px: float) -> float:
    """The "AI BOT"/"AI CYBORG" pill with its top-left at (x, y); returns its width."""
    label = "AI BOT" if kind == "bot" else "AI CYBORG"
    w = c.width(label, px=px, weight="bold") + px * 1.2
    h = px * 1.6
    pill = FancyBboxPatch(
        (x, HEIGHT - y - h), w, h, boxstyle=f"round,pad=0,rounding_size={h / 2}",
        transform=IdentityTransform(), color=BADGE_COLOURS[kind], zorder=5,
    )  # fmt: skip
    c.fig.add_artist(pill)
    c.text(x + w / 2, y + h / 2, label, px=px, color=PAPER, weight="bold", ha="center", va="center_baseline", zorder=6)
    return w


def _draw_body_sample(c: _Canvas, card: _Card, x: float, y: float, w: float) -> None:
    """The prompt in bold, then the generated continuation, wrapped to four lines."""
    px = 40
    prompt = c.fit(card.prompt, w, px=px, weight="bold")
    pw = c.width(prompt + " ", px=px, weight="bold")
    c.text(x, y, prompt, px=px, color=BADGE_COLOURS[card.kind], weight="bold")
    inline = w - pw >= 160  # room left on the prompt's line for the continuation
    lines = c.wrap((card.sample or "").split(), [w - pw, w] if inline else [w], px=px, max_lines=4 - (not inline))
    for i, line in enumerate(lines, start=0 if inline else 1):
        c.text(x + (pw if i == 0 else 0), y + i * px * 1.35, line, px=px, color=INK)


def _draw_body_chart(c: _Canvas, card: _Card, x: float, y: float, w: float, h: float) -> None:
    """The prompt, then tweets kept / short / retweets per account as stacked bars."""
    c.text(x, y, c.fit(f"“{card.prompt} …”", w, px=30, weight="bold"), px=30, color=INK, weight="bold")
    y += 56
    h -= 56
    rows = card.rows[:6]
    if not rows or all(r.kept is None and r.short is None and r.retweets is None for r in rows):
        c.text(x, y, "The card does not state its training data.", px=24, color=MUTED)
        return
    if len(rows) == 1:
        _draw_single_account(c, rows[0], x, y, w)
        return
    legend_h = 40
    label_px = 24 if len(rows) <= 3 else 20
    label_w = min(300.0, max(c.width(r.label, px=label_px) for r in rows) + 16)
    peak = max(sum(v or 0 for v in (r.kept, r.short, r.retweets)) for r in rows) or 1
    scale = (w - label_w) / peak
    band = (h - legend_h) / len(rows)
    bar_h = min(36.0, band * 0.72)
    for i, row in enumerate(rows):
        mid = y + band * (i + 0.5)
        left = x + label_w
        for key in ("kept", "short", "retweets"):
            width = (getattr(row, key) or 0) * scale
            bar = Rectangle((left, HEIGHT - mid - bar_h / 2), width, bar_h, transform=IdentityTransform(),
                            color=COUNT_COLOURS[key], linewidth=0)  # fmt: skip
            c.fig.add_artist(bar)
            left += width
        label = c.fit(row.label, label_w - 16, px=label_px)
        c.text(x + label_w - 10, mid, label, px=label_px, color=INK, ha="right", va="center_baseline")
    lx, ly = x + label_w, y + h - legend_h + 14
    for key in ("kept", "short", "retweets"):
        square = Rectangle((lx, HEIGHT - ly - 16), 16, 16, transform=IdentityTransform(), color=COUNT_COLOURS[key])
        c.fig.add_artist(square)
        c.text(lx + 24, ly - 3, key, px=20, color=MUTED)
        lx += 24 + c.width(key, px=20) + 28
    if card.kept_total is not None and card.downloaded_total is not None:
        summary = f"{card.kept_total:,} of {card.downloaded_total:,} tweets kept for training"
        c.text(x + w, ly - 3, c.fit(summary, x + w - lx - 20, px=20), px=20, color=MUTED, ha="right")


def _draw_single_account(c: _Canvas, row: _Row, x: float, y: float, w: float) -> None:
    """One account: its three counts as big figures over one full-width stacked bar."""
    keys = (("kept", "tweets kept", row.kept), ("short", "short tweets", row.short), ("retweets", "retweets", row.retweets))
    column = w / 3
    for i, (key, label, value) in enumerate(keys):
        cx = x + i * column
        c.text(cx, y + 4, "n/a" if value is None else f"{value:,}", px=48, color=INK, weight="bold")
        square = Rectangle((cx, HEIGHT - y - 84), 16, 16, transform=IdentityTransform(), color=COUNT_COLOURS[key])
        c.fig.add_artist(square)
        c.text(cx + 24, y + 65, label, px=22, color=MUTED)
    total = sum(v or 0 for _, _, v in keys) or 1
    left, bar_y, bar_h = x, y + 124, 28
    for key, _, value in keys:
        width = (value or 0) / total * w
        bar = Rectangle((left, HEIGHT - bar_y - bar_h), width, bar_h, transform=IdentityTransform(),
                        color=COUNT_COLOURS[key], linewidth=0)  # fmt: skip
        c.fig.add_artist(bar)
        left += width


def _draw(card: _Card) -> bytes:
    """Render one card to PNG bytes (call under :func:`mpl_style`)."""
    c = _Canvas()
    x0, y0, x1, y1 = _CARD
    c.fig.add_artist(
        FancyBboxPatch(
            (x0, HEIGHT - y1), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=28",
            transform=IdentityTransform(), facecolor=PAPER, edgecolor=FAINT, linewidth=1.5, zorder=0,
        )  # fmt: skip
    )
    left, top, right = x0 + _PAD, y0 + _PAD, x1 - _PAD
    text_x = _draw_faces(c, card.faces, left, top, card.id) + 32
    text_w = right - text_x
    c.text(text_x, top + 10, c.fit(card.title, text_w, px=44, weight="bold"), px=44, color=INK, weight="bold")
    handle_px = 30
    badge_w = c.width("AI CYBORG", px=22, weight="bold") + 22 * 1.2 + 16
    handle = c.fit(card.handle, text_w - badge_w, px=handle_px)
    c.text(text_x, top + 76, handle, px=handle_px, color=MUTED)
    _badge(c, card.kind, text_x + c.width(handle, px=handle_px) + 16, top + 77, px=22)

    body_y = top + _AVATAR_D + 40
    footer_y = y1 - _PAD + 4
    if card.sample:
        _draw_body_sample(c, card, left, body_y, right - left)
    else:
        _draw_body_chart(c, card, left, body_y, right - left, footer_y - body_y - 44)
    c.fig.add_artist(
        Rectangle((left, HEIGHT - footer_y + 36), right - left, 1.5, transform=IdentityTransform(), color=FAINT)
    )
    c.text(left, footer_y, c.fit(card.id, 700, px=22), px=22, color=MUTED, va="bottom")
    c.text(right, footer_y, "huggingtweets gallery", px=22, color=MUTED, va="bottom", ha="right")
    return c.png()


def _draw_chunk(items: list[tuple[_Card, str]]) -> dict[str, str]:
    """Draw and write a chunk of cards (runs in a worker process).

    Returns name -> one-line reason for each card that could not be drawn:
    one bad card must not stop the other 5,000.
    """
    failed = {}
    with mpl_style():
        for card, path in items:
            try:
                data = _draw(card)
            except Exception as exc:  # noqa: BLE001 - reported by the caller, naming the model
                failed[card.name] = f"thumbnails: {card.id}: not drawn: {type(exc).__name__}: {exc}"
                continue
            tmp = Path(path).with_name(f".{card.name}.png.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # readers never see half a PNG
    return failed


# --- the stage ----------------------------------------------------------------


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        bots = data.get("bots", {}) if isinstance(data, dict) else {}
        return {k: v for k, v in bots.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError):
        return {}


def draw_thumbnails(
    bots: Sequence[Bot],
    *,
    out_dir: Path,
    avatars_dir: Path | None = None,
    samples: Mapping[str, Sequence[str]] | None = None,
    jobs: int | None = None,
) -> dict[str, Path]:
    """Draw ``out_dir/<bot.name>.png`` for every bot; return name -> path.

    ``avatars_dir`` holds cached avatar images (see :func:`avatar_cache_path`);
    ``samples`` maps a bot name to generated texts, the first non-empty one is
    shown after the prompt. A bot whose drawn fields (and cached avatar bytes)
    hash as recorded in ``out_dir/.manifest.json`` and whose PNG exists is not
    redrawn; PNGs the manifest lists for bots no longer given are deleted.
    ``jobs`` processes draw (default: all cores). A bot with an invalid repo
    name, or one whose drawing fails, is reported in one line on stderr and
    left out of the result (the page shows no thumbnail); two bots with the
    same name (case folded) raise :class:`~generator.errors.OutputCollisionError`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    old = _read_manifest(manifest_path)
    seen: dict[str, str] = {}
    cards: list[_Card] = []
    for bot in bots:
        if not snapshot.is_valid_name(bot.name):
            print(f"thumbnails: {bot.id}: not drawn: {bot.name!r} is not a valid repo name", file=sys.stderr)
            continue
        if bot.name.lower() in seen:
            raise OutputCollisionError(
                f"thumbnails: {bot.id} and {seen[bot.name.lower()]} would both write {out_dir / (bot.name + '.png')}"
            )
        seen[bot.name.lower()] = bot.id
        cards.append(_card(bot, avatars_dir, samples))

    digests = {card.name: card.digest() for card in cards}
    todo = [
        (card, str(out_dir / f"{card.name}.png"))
        for card in cards
        if old.get(card.name) != digests[card.name] or not (out_dir / f"{card.name}.png").is_file()
    ]
    jobs = max(1, jobs or os.cpu_count() or 1)
    size = max(1, min(64, math.ceil(len(todo) / (jobs * 4))))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    failed: dict[str, str] = {}
    if jobs > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(chunks))) as pool:
            for result in pool.map(_draw_chunk, chunks):
                failed.update(result)
    else:
        for chunk in chunks:
            failed.update(_draw_chunk(chunk))
    for name, message in sorted(failed.items()):
        print(message, file=sys.stderr)
        del digests[name]  # not in the manifest: tried again next time

    for name in sorted((set(old) - set(digests)) | set(failed)):
        if snapshot.is_valid_name(name):
            (out_dir / f"{name}.png").unlink(missing_ok=True)
    snapshot.atomic_write(
        manifest_path,
        (json.dumps({"version": DRAW_VERSION, "bots": dict(sorted(digests.items()))}, indent=1) + "\n").encode(),
    )
    return {card.name: out_dir / f"{card.name}.png" for card in cards if card.name not in failed}
