"""Which bots get pages: every bot whose pages can exist, each without taking another's path.

A page path comes from a repo name (``/bots/<name>/``) and from each of its
handles (``/accounts/<handle>/``). Three kinds of name cannot be published,
and one such bot must never stop the build (the nightly would then never
update the site), so each is skipped with a one-line reason and the rest go on:

* an invalid name (not Twitter handles joined with ``-``): no safe path;
* a reserved name: ``index`` or ``README`` as a bot would be MkDocs' own page
  of ``bots/`` (the gallery would link ``/bots/index/``, a 404), and as a
  handle would overwrite the account list ``accounts/index``
  (:data:`RESERVED`);
* a case twin: ``GetFiscal`` beside ``getfiscal`` would share one page on a
  case-insensitive file system and one URL in every visitor's mind; the
  all-lower-case name is kept (then the first in code-point order) and the
  other is skipped, naming both.

Other top-level site paths (``bots``, ``accounts``, ``statistics``,
``assets``, ``img``, ``search``, ``404``) cannot collide: every bot and
account page lives one level down, under ``bots/`` or ``accounts/``.

>>> from generator.models import Bot
>>> def bot(name):
...     return Bot(id=f"huggingtweets/{name}", name=name, handles=tuple(sorted(name.lower().split("-"))),
...                kind="bot", users=(), era="unknown", template=None, thumbnail=None, thumbnail_date=None,
...                widget_prompt=None, wandb_preprocess=None, wandb_train=None)
>>> kept, skipped = publishable([bot("GetFiscal"), bot("getfiscal"), bot("index"), bot("dril")])
>>> [b.name for b in kept]
['getfiscal', 'dril']
>>> for line in skipped: print(line)
huggingtweets/GetFiscal: not published: its name differs only in letter case from huggingtweets/getfiscal, which has the page /bots/getfiscal/
huggingtweets/index: not published: 'index' is a reserved name (bots/index would be the folder's own page, not a bot's)
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import Bot
from .snapshot import is_valid_name

#: Names no bot or handle may take, case ignored: MkDocs makes ``index.md`` and
#: ``README.md`` the page of their folder, so ``bots/index.md`` would be ``/bots/``
#: and ``accounts/index.md`` is the account list.
RESERVED = frozenset({"index", "readme"})


def _reason(bot: Bot) -> str | None:
    if not is_valid_name(bot.name):
        return "not a valid repo name (Twitter handles joined with '-')"
    if bot.name.casefold() in RESERVED:
        return f"{bot.name!r} is a reserved name (bots/{bot.name} would be the folder's own page, not a bot's)"
    for handle in bot.handles:
        if handle.casefold() in RESERVED:
            return f"its handle @{handle} is a reserved name (accounts/{handle} is the account list)"
    return None


def publishable(bots: Sequence[Bot]) -> tuple[list[Bot], list[str]]:
    """The bots that get pages (in the input order) and one ``<id>: not published: <why>`` line per other bot."""
    skipped: dict[int, str] = {}
    winners: dict[str, int] = {}  # case-folded name -> index of the bot that has the page

    def rank(bot: Bot) -> tuple[bool, str]:
        return (bot.name != bot.name.lower(), bot.name)

    for i, bot in enumerate(bots):
        if (why := _reason(bot)) is not None:
            skipped[i] = f"{bot.id}: not published: {why}"
            continue
        key = bot.name.casefold()
        j = winners.get(key)
        if j is None:
            winners[key] = i
            continue
        loser, winner = (i, j) if rank(bots[j]) <= rank(bot) else (j, i)
        winners[key] = winner
        a, b = bots[loser], bots[winner]
        if a.name == b.name:
            skipped[loser] = f"{a.id}: not published: read twice (from {a.source} and {b.source}); the first is kept"
        else:
            skipped[loser] = (
                f"{a.id}: not published: its name differs only in letter case from {b.id}, "
                f"which has the page /bots/{b.name}/"
            )
    kept = [b for i, b in enumerate(bots) if i not in skipped]
    return kept, [skipped[i] for i in sorted(skipped)]
