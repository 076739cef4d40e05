"""Drawing one thumbnail: avatars, names, badge, then the sample or the training-data chart."""

from __future__ import annotations

import logging

import numpy as np
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle
from matplotlib.transforms import IdentityTransform
from PIL import Image, ImageDraw

from .canvas import BADGE_COLOURS, COUNT_COLOURS, FAINT, HEIGHT, INK, MUTED, PAPER, _Canvas
from .card import _Card, _Face, _Row

log = logging.getLogger(__name__)

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
        log.warning("thumbnails: %s: cached avatar %s unreadable (%s); drawing initials", model, path, exc)
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
