"""Initials avatars: the face drawn for an account without a cached avatar image.

Thumbnails and pages both use :func:`initials_avatar`, so an account looks
the same on its card and on its page.
"""

from __future__ import annotations

import hashlib
import unicodedata

from .style import clean_text

#: White initials on each of these are at least 4.5:1 (WCAG AA), on the cards and the pages.
INITIALS_COLOURS = (
    "#1670c4", "#7856ff", "#c8146a", "#00805a", "#b35300", "#e0245e",
    "#15803d", "#794bc4", "#c2410c", "#0e7490", "#b45309", "#4f46e5",
)  # fmt: skip


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
