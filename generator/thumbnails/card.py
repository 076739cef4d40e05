"""What a thumbnail shows: a :class:`_Card` of exactly the drawn fields, made from a :class:`Bot`.

The card's digest decides whether a thumbnail is redrawn; it includes
:data:`DRAW_VERSION`, a hash of every module that draws, so any edit to the
drawing code redraws every thumbnail once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import matplotlib

from .. import snapshot
from ..faces import initials_avatar
from ..files import digest as file_digest
from ..models import DEFAULT_PROMPT, Bot
from ..style import clean_text

_PACKAGE = Path(__file__).parent
#: Every module whose code changes what a thumbnail looks like.
DRAW_CODE = (*sorted(_PACKAGE.glob("*.py")), _PACKAGE.parent / "style.py", _PACKAGE.parent / "faces.py")


def _code_version(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


#: The drawing code's version: a hash of :data:`DRAW_CODE`, so any edit redraws every thumbnail once.
DRAW_VERSION = _code_version(DRAW_CODE)
#: Accounts a cyborg has at most (the card template's limit); all get a face or count in "+N".
MAX_ACCOUNTS = 6

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
    names: tuple[str, ...]  # the display names the title joins with " & " (to shorten it by whole names)
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


def _face(user_name: str | None, handle: str | None, avatar: str | None, avatars_dir: Path | None) -> _Face:
    initials, colour = initials_avatar(user_name, handle)
    image = snapshot.avatar_cache_path(avatars_dir, avatar) if avatars_dir and avatar else None
    return _Face(initials, colour, str(image) if image else None, file_digest(image) if image else None)


def _card(bot: Bot, avatars_dir: Path | None, samples: Mapping[str, Sequence[str]] | None) -> _Card:
    # Given samples win (tests, tools); else the bot's own, the one picked to show.
    given = (samples or {}).get(bot.name)
    if given is None and bot.samples and bot.samples.chosen:
        given = [bot.samples.chosen]
    sample = next((s for s in map(clean_text, given or ()) if s), None)
    totals = bot.totals
    return _Card(
        id=bot.id,
        name=bot.name,
        kind=bot.kind,
        title=clean_text(bot.display_name) or bot.name,
        names=tuple(n for u in bot.users if (n := clean_text(u.name))),
        handle="@" + bot.name,
        faces=tuple(_face(u.name, u.handle, u.avatar, avatars_dir) for u in bot.users[:MAX_ACCOUNTS])
        or (_face(None, bot.name, None, None),),
        prompt=clean_text(bot.samples.prompt if bot.samples and sample else bot.widget_prompt) or DEFAULT_PROMPT,
        sample=sample,
        rows=tuple(
            _Row("@" + u.handle if u.handle else clean_text(u.name) or "?", u.tweets_kept, u.short_tweets, u.retweets)
            for u in bot.users
        ),
        kept_total=totals["tweets_kept"],
        downloaded_total=totals["tweets_downloaded"],
    )
