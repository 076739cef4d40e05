"""Prediction thumbnails: one 1200x630 tweet-style PNG per bot, drawn with matplotlib.

huggingtweets.com used to serve a ``predictions.png`` per model: the avatar(s),
the name, "AI BOT" or "AI CYBORG", the widget prompt and one generated
continuation. That service is gone, so this module draws our own, at the Open
Graph size, from nothing but a :class:`~generator.models.Bot`:

* avatars (overlapping circles, every account's up to four, else three and "+N"): a cached image when
  ``avatars_dir`` holds one for the avatar URL (:func:`avatar_cache_path`),
  else a deterministic initials avatar; nothing is ever fetched;
* display names and ``@<repo name>``, shrunk and wrapped to fit (never cut
  mid-name: a cyborg's title drops whole names, "& 2 more"), and the badge;
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

The package follows those seams: :mod:`generator.style` (fonts and the
matplotlib style, shared with the charts) and :mod:`generator.faces`
(initials avatars, shared with the pages) live outside it, so neither loads
the drawing code; here :mod:`.canvas` (size, palette, text measuring and
fitting), :mod:`.card` (what is drawn, its digest and :data:`DRAW_VERSION`),
:mod:`.draw` (the drawing) and :mod:`.stage` (:func:`draw_thumbnails`). The
avatar cache layout belongs to the snapshot (:func:`generator.snapshot.avatar_cache_path`).
"""

from __future__ import annotations

from ..faces import INITIALS_COLOURS, _initials, initials_avatar
from ..snapshot import AVATAR_SUFFIXES, avatar_cache_path, avatar_cache_stem
from ..style import FONT_FAMILY, clean_text, mpl_style
from .canvas import DPI, HEIGHT, WIDTH
from .card import DEFAULT_PROMPT, DRAW_CODE, DRAW_VERSION
from .draw import _AVATAR_D, _CARD, _PAD, MAX_FACES, _draw, face_centres
from .stage import MANIFEST, draw_thumbnails

__all__ = [
    "AVATAR_SUFFIXES", "DEFAULT_PROMPT", "DPI", "DRAW_CODE", "DRAW_VERSION", "FONT_FAMILY", "HEIGHT", "INITIALS_COLOURS",
    "MANIFEST", "WIDTH", "avatar_cache_path", "avatar_cache_stem", "clean_text", "draw_thumbnails", "initials_avatar",
    "mpl_style", "MAX_FACES", "face_centres", "_AVATAR_D", "_CARD", "_PAD", "_draw", "_initials",
]  # fmt: skip
