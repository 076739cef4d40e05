"""The Markdown pages: the gallery, one per bot, one per account, the account list.

Each page is YAML front matter (only values safe in Material's unescaped
``<title>``/``<meta>``: repo names, handles, numbers) plus a jinja2 template
rendered with autoescaping (:func:`generator.render.escape.environment`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import figures, stats
from ..models import ERA_LABELS, ERAS, Bot, Samples, User, parse_when
from .escape import clean, environment, front_matter, http_url, one_line
from .quality import problem_links
from .writer import HANDLE_RE

@dataclass(frozen=True)
class Images:
    """Where each bot's images ended up, as paths relative to ``docs/`` (posix)."""

    thumbs: Mapping[str, str]  # bot name -> full-size 1200x630 PNG
    avatars: Mapping[str, str]  # avatar URL -> cached image copy

    def of(self, bots: Sequence[Bot]) -> Images:
        """Only the images of ``bots`` (their thumbnails, their users' avatars): all a page of
        those bots can show, and so all of what its render key (:mod:`generator.buildcache`) names."""
        names = sorted({b.name for b in bots if b.name in self.thumbs})
        urls = sorted({u.avatar for b in bots for u in b.users if u.avatar and u.avatar in self.avatars})
        return Images(thumbs={n: self.thumbs[n] for n in names}, avatars={u: self.avatars[u] for u in urls})


@dataclass(frozen=True)
class Face:
    """An avatar: a copied image, or initials on a colour (never a remote URL)."""

    src: str | None
    initials: str
    colour: str


def face(user: User | None, *, handle: str | None, images: Images) -> Face:
    """The face to show for ``user`` (or a bare handle)."""
    # The thumbnail's own initials and colour, so a face looks the same on the page and the card.
    from ..faces import initials_avatar

    src = images.avatars.get(user.avatar) if user and user.avatar else None
    initials, colour = initials_avatar(user.name if user else None, (user.handle if user else None) or handle)
    return Face(src=src, initials=initials, colour=colour)


def _row(label: str, slug: str | None, counts: Mapping[str, int | None], *, total: bool = False) -> dict[str, Any]:
    d = counts["tweets_downloaded"]
    return {
        "label": label,
        "slug": slug,
        "total": total,
        "downloaded": d,
        "retweets": counts["retweets"],
        "short": counts["short_tweets"],
        "kept": counts["tweets_kept"],
        "kept_share": stats.share(counts["tweets_kept"], d),
        "retweet_share": stats.share(counts["retweets"], d),
        "short_share": stats.share(counts["short_tweets"], d),
    }


def user_for(bot: Bot, handle: str) -> User | None:
    """The table column of ``handle`` in ``bot``, or ``None`` when the card cannot tell."""
    for user in bot.users:
        if user.handle and user.handle.lower() == handle.lower():
            return user
    if bot.kind == "bot" and len(bot.users) == 1:
        return bot.users[0]
    return None


def _user_label(user: User, index: int) -> str:
    return user.name or (f"@{user.handle}" if user.handle else f"account {index + 1}")


def _settings_text(bot: Bot) -> str:
    """How the samples were made, in words: "top-k 50, top-p 0.95, temperature 1.0, ..."."""
    if not isinstance(bot.samples, Samples):
        return ""
    s = dict(bot.samples.settings)
    e = dict(bot.samples.engine)
    parts = [
        f"{s['num_return_sequences']} samples" if "num_return_sequences" in s else None,
        f"up to {s['max_new_tokens']} new tokens" if "max_new_tokens" in s else None,
        f"top-k {s['top_k']}" if "top_k" in s else None,
        f"top-p {s['top_p']}" if "top_p" in s else None,
        f"temperature {s['temperature']}" if "temperature" in s else None,
        f"seed {s['seed']}" if "seed" in s else None,
        f"transformers {e['transformers']}" if "transformers" in e else None,
        f"torch {e['torch']}" if "torch" in e else None,
    ]
    return ", ".join(p for p in parts if p)


def _bot_page(bot: Bot, *, images: Images, snapshot_date: str | None, spark: str | None = None) -> str:
    """``spark``: the downloads sparkline (:func:`generator.history.sparkline`), an SVG of numbers only."""
    handles = []
    for h in bot.handles:
        user = user_for(bot, h)
        handles.append({"handle": h, "slug": h.lower(), "names": [user.name] if user and user.name else []})
    rows = [
        _row(_user_label(u, i), u.handle.lower() if u.handle and HANDLE_RE.fullmatch(u.handle) else None, u.counts())
        for i, u in enumerate(bot.users)
    ]
    if len(rows) > 1:
        rows.append(_row("Total", None, bot.totals, total=True))
    wandb = [
        (label, safe)
        for label, raw in (("Data preprocessing run", bot.wandb_preprocess), ("Training run", bot.wandb_train))
        if (safe := http_url(raw))
    ]
    faces = [face(u, handle=None, images=images) for u in bot.users] or [face(None, handle=bot.name, images=images)]
    context = {
        "root": "../../",
        "bot": bot,
        "faces": faces,
        "handles": handles,
        "rows": rows,
        "thumb": images.thumbs.get(bot.name),
        "hub_url": f"https://huggingface.co/{bot.id}",
        "wandb": wandb,
        "prompt": bot.prompt,
        "says": bot.samples if isinstance(bot.samples, Samples) else None,
        "settings": _settings_text(bot),
        "created": bot.created,
        "era_label": ERA_LABELS.get(bot.era, bot.era),
        "snapshot_date": snapshot_date,
        "figures": figures.key_figures(bot),
        "samples": figures.samples_shown(bot),
        "problems": problem_links(bot.problems),
        "spark": spark,
    }
    kept = bot.totals["tweets_kept"]
    who = ", ".join(f"@{h}" for h in bot.handles)
    meta: dict[str, Any] = {
        "title": bot.name,
        "description": f"A GPT-2 {bot.kind} trained on the tweets of {who}"
        + (f" ({kept:,} tweets kept)." if kept is not None else "."),
        # Material prints the first two unescaped; ours are escaped by overrides/main.html.
        "og_title": f"{one_line(bot.display_name)} (@{bot.name})",
        "hide": ["navigation", "toc"],
    }
    if bot.name in images.thumbs:
        meta["og_image"] = images.thumbs[bot.name]
    return front_matter(meta) + environment().get_template("bot.md.j2").render(context)


def _account_page(handle: str, bots: Sequence[Bot], *, images: Images) -> str:
    rows = []
    names: dict[str, None] = {}
    first_user: User | None = None
    for bot in bots:
        user = user_for(bot, handle)
        if user:
            first_user = first_user or user
            if user.name:
                names.setdefault(user.name)
        rows.append({"bot": bot, "user": user, "shares": stats.shares_of(user.counts()) if user else None})
    context = {
        "root": "../../",
        "handle": handle,
        "names": list(names),
        "rows": rows,
        "account_face": face(first_user, handle=handle, images=images),
    }
    meta = {"title": f"@{handle}", "search": {"exclude": True}, "hide": ["navigation", "toc"]}
    return front_matter(meta) + environment().get_template("account.md.j2").render(context)


