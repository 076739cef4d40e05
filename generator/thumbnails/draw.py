"""Drawing one thumbnail: avatars, names, badge, then the sample or the training-data chart."""

from __future__ import annotations

import logging
import re

import numpy as np
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.transforms import IdentityTransform
from PIL import Image, ImageDraw

from .canvas import BADGE_COLOURS, COUNT_COLOURS, FAINT, HEIGHT, INK, MUTED, PAPER, _Canvas, _text_width
from .card import _Card, _Face, _Row

log = logging.getLogger(__name__)

_AVATAR_D = 128  # avatar diameter, px (up to three faces)
_AVATAR_D_MANY = 104  # four faces, or three and a "+N"
#: Faces drawn at most; a cyborg of more accounts shows three and a "+N" disc.
MAX_FACES = 4
#: Title sizes tried, largest first, with the lines each may take; then whole names are dropped.
_TITLE_SIZES = ((44, 1), (38, 1), (34, 2), (30, 2), (27, 3))
_HANDLE_SIZES = (30, 26, 22, 20)  # one line at any of these, else two lines broken after - or _
_FOOTER_SIZES = (22, 19, 16, 14)
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


def _face_plan(faces: tuple[_Face, ...]) -> tuple[tuple[_Face, ...], int]:
    """The faces to draw and how many accounts the "+N" disc stands for (0: none)."""
    if len(faces) <= MAX_FACES:
        return faces, 0
    return faces[: MAX_FACES - 1], len(faces) - (MAX_FACES - 1)


def _initials_px(label: str, d: float) -> float:
    return d * (0.41 if len(label) < 2 else 0.34)


def _face_geometry(faces: tuple[_Face, ...]) -> tuple[tuple[_Face, ...], int, float, float]:
    """(faces shown, "+N" count, diameter, step between centres). Each disc is covered by the one
    before it up to that one's ring: the step leaves every label (initials, "+N") whole. It
    depends on the initials only, so a cached photo does not move the faces."""
    shown, more = _face_plan(faces)
    discs = len(shown) + (1 if more else 0)
    d = _AVATAR_D if discs <= 3 else _AVATAR_D_MANY
    labels = [f.initials for f in shown[1:]] + ([f"+{more}"] if more else [])
    widths = [_text_width(lab, _initials_px(lab, d), "bold") for lab in labels]
    step = max([d * 0.62] + [d / 2 + 6 + w / 2 + 4 for w in widths])
    return shown, more, d, min(step, d + 8.0)


def face_centres(faces: tuple[_Face, ...], x: float, y: float) -> list[tuple[float, float]]:
    """Centres of the discs :func:`_draw_faces` draws from (x, y), "+N" last (call under mpl_style)."""
    shown, more, d, step = _face_geometry(faces)
    return [(x + i * step + d / 2, y + d / 2) for i in range(len(shown) + (1 if more else 0))]


def _draw_faces(c: _Canvas, faces: tuple[_Face, ...], x: float, y: float, model: str) -> float:
    """Round avatars from (x, y) top-left, each partly under the one before (the first is on top),
    spaced so every face's initials stay whole; more than :data:`MAX_FACES` accounts end in "+N".
    Returns the right edge."""
    shown, more, d, step = _face_geometry(faces)
    discs = len(shown) + (1 if more else 0)
    r = d / 2
    for i in range(discs):
        cx, cy = x + i * step + r, y + r
        z = 20 - 2 * i
        c.circle((cx, HEIGHT - cy), r + 5, color=PAPER, zorder=z)
        if i == len(shown):  # the "+N" disc
            colour, label = MUTED, f"+{more}"
        else:
            face = shown[i]
            pixels = _round_image(face.image, d, model) if face.image else None
            if pixels is not None:
                c.image(pixels, xo=cx - r, yo=HEIGHT - cy - r, zorder=z + 1)
                continue
            colour, label = face.colour, face.initials
        c.circle((cx, HEIGHT - cy), r, color=colour, zorder=z + 1)
        px = _initials_px(label, d)
        label = c.fit(label, d - 20, px=px, weight="bold")
        c.text(cx, cy, label, px=px, color=PAPER, weight="bold", ha="center", va="center_baseline", zorder=z + 2)
    return x + (discs - 1) * step + d


def _fits(c: _Canvas, lines: list[str], width: float, *, px: float, weight: str) -> bool:
    return all(c.width(line, px=px, weight=weight) <= width for line in lines)


def _title_lines(c: _Canvas, title: str, names: tuple[str, ...], width: float) -> tuple[list[str], float]:
    """The title as whole words: the largest size at which it fits on its lines (wrapping at spaces,
    CJK between characters); too long even then, whole names are dropped from the end ("& 2 more"),
    never cut mid-name. Only a single name longer than three lines at the smallest size is cut.
    A title without spaces (the repo name, when the card names nobody) breaks after ``-`` or ``_``."""

    def lines_at(text: str, px: float) -> list[str]:
        if " " not in text:
            return _pack(c, re.split(r"(?<=[-_])", text), width, px=px, weight="bold")
        return c.wrap(text.split(), [width], px=px, max_lines=99, weight="bold")

    for px, max_lines in _TITLE_SIZES:
        lines = lines_at(title, px)
        if len(lines) <= max_lines and _fits(c, lines, width, px=px, weight="bold"):
            return lines, px
    px, max_lines = _TITLE_SIZES[-1]
    for keep in range(len(names) - 1, 0, -1):
        shorter = " & ".join(names[:keep]) + f" & {len(names) - keep} more"
        lines = lines_at(shorter, px)
        if len(lines) <= max_lines and _fits(c, lines, width, px=px, weight="bold"):
            return lines, px
    return c.wrap(title.split(), [width], px=px, max_lines=max_lines, weight="bold"), px


def _pack(c: _Canvas, parts: list[str], width: float, *, px: float, weight: str = "normal") -> list[str]:
    """Greedy lines of ``parts`` joined without spaces (a part wider than a line is split by character)."""
    lines, current = [], ""
    for part in parts:
        while part:
            if c.width(current + part, px=px, weight=weight) <= width:
                current, part = current + part, ""
            elif current:
                lines.append(current)
                current = ""
            else:  # wider than a whole line: as many characters as fit
                fit = (k for k in range(1, len(part) + 1) if c.width(part[:k], px=px, weight=weight) <= width)
                n = max(1, max(fit, default=1))
                lines.append(part[:n])
                part = part[n:]
    return lines + ([current] if current else [])


def _handle_lines(c: _Canvas, handle: str, width: float) -> tuple[list[str], float]:
    """``@repo-name`` on one line at the largest size that fits, else on two lines broken after a
    ``-`` or ``_`` (between accounts), shrinking until it fits; never cut."""
    for px in _HANDLE_SIZES:
        if c.width(handle, px=px) <= width:
            return [handle], px
    parts = re.split(r"(?<=[-_])", handle)
    for px in _HANDLE_SIZES[1:]:
        lines = _pack(c, parts, width, px=px)
        if len(lines) <= 2:
            return lines, px
    return _pack(c, parts, width, px=_HANDLE_SIZES[-1]), _HANDLE_SIZES[-1]


def _draw_header(c: _Canvas, card: _Card, x: float, y: float, width: float) -> float:
    """Title, ``@repo-name`` and badge from (x, y), in ``width`` px; returns the bottom edge."""
    title, tpx = _title_lines(c, card.title, card.names, width)
    ty = y + (10 if len(title) == 1 else 0)
    for line in title:
        c.text(x, ty, line, px=tpx, color=INK, weight="bold")
        ty += tpx * 1.22
    badge_px = 22
    badge_w = c.width("AI CYBORG" if card.kind == "cyborg" else "AI BOT", px=badge_px, weight="bold") + badge_px * 1.2
    handle, hpx = _handle_lines(c, card.handle, width)
    hy = ty + 8
    for line in handle:
        c.text(x, hy, line, px=hpx, color=MUTED)
        hy += hpx * 1.3
    last_w = c.width(handle[-1], px=hpx)
    if last_w + 16 + badge_w <= width:  # the badge after the handle, on its last line
        by = hy - hpx * 1.3 + (hpx - badge_px) / 2
        _badge(c, card.kind, x + last_w + 16, by, px=badge_px)
        return max(hy, by + badge_px * 1.6)
    _badge(c, card.kind, x, hy + 4, px=badge_px)
    return hy + 4 + badge_px * 1.6


def _draw_footer(c: _Canvas, card: _Card, left: float, right: float, y: float) -> None:
    """The repo id bottom-left and the site's name bottom-right; a long id shrinks, then takes the whole line."""
    label = "huggingtweets gallery"
    for px in _FOOTER_SIZES:
        room = right - left - c.width(label, px=px) - 24
        if c.width(card.id, px=px) <= room:
            c.text(left, y, card.id, px=px, color=MUTED, va="bottom")
            c.text(right, y, label, px=px, color=MUTED, va="bottom", ha="right")
            return
    for px in _FOOTER_SIZES:
        if c.width(card.id, px=px) <= right - left:
            break
    c.text(left, y, c.fit(card.id, right - left, px=px), px=px, color=MUTED, va="bottom")


def _badge(c: _Canvas, kind: str, x: float, y: float, *, px: float) -> float:
    """The "AI BOT"/"AI CYBORG" pill with its top-left at (x, y); returns its width."""
    label = "AI BOT" if kind == "bot" else "AI CYBORG"
    w = c.width(label, px=px, weight="bold") + px * 1.2
    h = px * 1.6
    c.pill((x, HEIGHT - y - h), w, h, color=BADGE_COLOURS[kind], zorder=5)
    c.text(x + w / 2, y + h / 2, label, px=px, color=PAPER, weight="bold", ha="center", va="center_baseline", zorder=6)
    return w


def _draw_body_sample(c: _Canvas, card: _Card, x: float, y: float, w: float, h: float = 270) -> None:
    """The prompt in bold, then the generated continuation, wrapped to four lines (fewer if ``h`` is short)."""
    px = 40
    prompt = c.fit(card.prompt, w, px=px, weight="bold")
    pw = c.width(prompt + " ", px=px, weight="bold")
    c.text(x, y, prompt, px=px, color=BADGE_COLOURS[card.kind], weight="bold")
    inline = w - pw >= 160  # room left on the prompt's line for the continuation
    room = max(1, min(4, int(h // (px * 1.35))))
    lines = c.wrap((card.sample or "").split(), [w - pw, w] if inline else [w], px=px, max_lines=room - (not inline) or 1)
    for i, line in enumerate(lines, start=0 if inline else 1):
        c.text(x + (pw if i == 0 else 0), y + i * px * 1.35, line, px=px, color=INK)


def _draw_body_chart(c: _Canvas, card: _Card, x: float, y: float, w: float, h: float) -> None:
    """The prompt, then tweets kept / short / retweets per account as stacked bars. Under a tall
    header (a long cyborg title) the prompt gives its line to the bars."""
    rows = card.rows[:6]
    if h - 56 >= 60 + 26 * max(1, len(rows)):
        c.text(x, y, c.fit(f"“{card.prompt} …”", w, px=30, weight="bold"), px=30, color=INK, weight="bold")
        y += 56
        h -= 56
    if not rows or all(r.kept is None and r.short is None and r.retweets is None for r in rows):
        c.text(x, y, "The card does not state its training data.", px=24, color=MUTED)
        return
    if len(rows) == 1:
        _draw_single_account(c, rows[0], x, y, w)
        return
    legend_h = 40
    label_px = min(24 if len(rows) <= 3 else 20, max(12.0, (h - 40) / len(rows) * 0.72))
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
            c.rect((left, HEIGHT - mid - bar_h / 2), width, bar_h, color=COUNT_COLOURS[key], linewidth=0)
            left += width
        lpx = next((p for p in (label_px, label_px - 4, 14) if c.width(row.label, px=p) <= label_w - 16), 14)
        label = c.fit(row.label, label_w - 16, px=lpx)
        c.text(x + label_w - 10, mid, label, px=lpx, color=INK, ha="right", va="center_baseline")
    lx, ly = x + label_w, y + h - legend_h + 14
    for key in ("kept", "short", "retweets"):
        c.rect((lx, HEIGHT - ly - 16), 16, 16, color=COUNT_COLOURS[key])
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
        c.rect((cx, HEIGHT - y - 84), 16, 16, color=COUNT_COLOURS[key])
        c.text(cx + 24, y + 65, label, px=22, color=MUTED)
    total = sum(v or 0 for _, _, v in keys) or 1
    left, bar_y, bar_h = x, y + 124, 28
    for key, _, value in keys:
        width = (value or 0) / total * w
        c.rect((left, HEIGHT - bar_y - bar_h), width, bar_h, color=COUNT_COLOURS[key], linewidth=0)
        left += width


def _draw(card: _Card) -> bytes:
    """Render one card to PNG bytes (call under :func:`mpl_style`)."""
    c = _Canvas()
    x0, y0, x1, y1 = _CARD
    left, top, right = x0 + _PAD, y0 + _PAD, x1 - _PAD
    footer_y = y1 - _PAD + 4
    c.background("card", [  # the white card and the rule over the footer: the same on every card
        FancyBboxPatch(
            (x0, HEIGHT - y1), x1 - x0, y1 - y0, boxstyle="round,pad=0,rounding_size=28",
            transform=IdentityTransform(), facecolor=PAPER, edgecolor=FAINT, linewidth=1.5, zorder=0,
        ),
        Rectangle((left, HEIGHT - footer_y + 36), right - left, 1.5, transform=IdentityTransform(), color=FAINT, zorder=0.5),
    ])  # fmt: skip
    faces_right = _draw_faces(c, card.faces, left, top, card.id)
    text_x = faces_right + 32
    header_bottom = _draw_header(c, card, text_x, top, right - text_x)

    body_y = max(top + _AVATAR_D + 40, header_bottom + 28)
    if card.sample:
        _draw_body_sample(c, card, left, body_y, right - left, footer_y - body_y - 44)
    else:
        _draw_body_chart(c, card, left, body_y, right - left, footer_y - body_y - 44)
    _draw_footer(c, card, left, right, footer_y)
    return c.png()
