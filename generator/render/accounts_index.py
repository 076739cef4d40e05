"""``docs/accounts/index.md``: every account, most bots first, searchable.

The list is a grid that reads row by row (1, 2, 3 across, then the next
row), not CSS columns, which read down each column and so put ranks 1,
~1,100 and ~2,200 side by side. Each entry has the account's display name
and its bot count; gallery.js filters it as you type (by handle or name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..models import Bot
from .escape import clean, environment, front_matter
from .pages import user_for


def account_names(handle: str, bots: Sequence[Bot]) -> list[str]:
    """The display names the account had in its bots, single-user bots first, each once."""
    names: dict[str, None] = {}
    for bot in sorted(bots, key=lambda b: (len(b.handles), b.name)):
        user = user_for(bot, handle)
        if user and user.name and user.name.strip():
            names.setdefault(" ".join(clean(user.name).split()))
    return list(names)


def accounts_index_page(by_handle: Mapping[str, Sequence[Bot]]) -> str:
    accounts = []
    for h, bs in sorted(by_handle.items(), key=lambda hb: (-len(hb[1]), hb[0])):
        names = account_names(h, bs)
        accounts.append(
            {
                "handle": h,
                "name": names[0] if names else None,
                "search": " ".join([h, *names]),
                "bots": "1 bot" if len(bs) == 1 else f"{len(bs):,} bots",
            }
        )
    meta = {"title": "Accounts", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("accounts.md.j2").render(accounts=accounts)
