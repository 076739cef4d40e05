"""Synthetic cards of every era, for tests and benchmarks.

A real card is its era's template with values pasted in by plain string
replacement (see ``card_templates/ABOUT.md``). This module does exactly that
with random but realistic values, and remembers the values, so a test can
check that the parser reads back what was written. It never touches the
network and needs nothing outside the package.

>>> spec = random_spec(random.Random(1), template="2021-02-08_9aa307f")
>>> spec.users[0].handle in spec.render()
True
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import snapshot
from .card_templates import MULTI_USER_TEMPLATE, TEMPLATES, template_text
from .config import DEFAULT_AUTHOR
from .models import HUB_CREATED_AT_FLOOR

LOGO = "https://github.com/borisdayma/huggingtweets/blob/master/img/logo.png?raw=true"


# Display names as Twitter users really write them: plain, accented, emoji and
# ZWJ sequences, flags, CJK, math-bold and upside-down letters, only an emoji,
# "...", and the two that break naive splitting: a "|" and a " & ".
_NAMES = [
    "Ann Hearse", "Don Hughes 🦌", "Kate Rooney", "NerdWallet", "Product Hunt 😸", "wint",
    "ye", "lexi", "José Martín", "Zoë Ødegaard", "Łukasz", "dril", "Elon Musk",
    "山田太郎", "李小龙", "キズナアイ", "김민준", "Алексей", "Ελένη", "محمد",
    "👩‍💻 dev", "🏳️‍🌈 Pride", "👨‍👩‍👧‍👦", "🇫🇷 Marianne", "🇯🇵🇺🇸", "🦊", "🤔🤔",
    "𝐁𝐨𝐥𝐝 𝐍𝐚𝐦𝐞", "𝓈𝒸𝓇𝒾𝓅𝓉", "ʇxǝʇ uʍop ǝpısdn", "...", "…", "a | b", "Tom & Jerry",
    "R&D", "x_x", "Mr. \"Quotes\"", "it's me", "50% off", "C++ fan", "#1 fan", "@not_a_handle",
    "emoji at end 🎉", "  spaced  out  ", "ß", "Ñandú",
]
_FIRST = ["Alex", "Sam", "Jordan", "Maria", "Wei", "Aisha", "Lars", "Priya", "Kenji", "Olu", "Noor", "Ivan"]
_LAST = ["Smith", "Nakamura", "Okafor", "García", "Kowalski", "Chen", "Dubois", "Rossi", "Haddad", "Silva"]
_EMOJI = ["🤖", "🌈", "🔥", "✨", "🐍", "🦌", "🍕", "🚀", "💀", "🫠"]


@dataclass(frozen=True)
class SpecUser:
    """One account as pasted into a card: handle, display name, avatar, counts."""

    handle: str
    name: str
    avatar: str
    retweets: int
    short_tweets: int
    tweets_kept: int

    @property
    def tweets_downloaded(self) -> int:
        return self.retweets + self.short_tweets + self.tweets_kept


@dataclass(frozen=True)
class CardSpec:
    """Everything needed to fill one template, and so everything a parser should read back."""

    template: str
    users: tuple[SpecUser, ...]  # in typed order
    thumbnail: str
    wandb_preprocess: str
    wandb_train: str
    random_size: int = 1
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The repo name: lower-cased handles, sorted, joined with '-'."""
        return "-".join(sorted(u.handle.lower() for u in self.users))

    @property
    def kind(self) -> str:
        return "bot" if len(self.users) == 1 else "cyborg"

    @property
    def era(self) -> str:
        stem = self.template[:10]
        for era in ("2021-05-07", "2021-02-08", "2020-08-24", "2020-08-08", "2020-07-21", "2020-07-20"):
            if stem >= era:
                return era
        return "unknown"

    @property
    def thumbnail_date(self) -> str | None:
        m = re.search(r"/(\d{12,14})/predictions\.png$", self.thumbnail)
        if not m:
            return None
        return datetime.fromtimestamp(int(m.group(1)) / 1000, tz=timezone.utc).isoformat()

    def values(self) -> dict[str, str]:
        """Placeholder -> pasted value, as huggingtweets filled them."""
        u = self.users
        joined = " | ".join
        values = {
            "USER_HANDLE": self.name,
            "USER_NAME": " & ".join(x.name for x in u),
            "USER_PROFILE": u[0].avatar,
            "BOT": "BOT" if len(u) == 1 else "CYBORG",
            "SOCIAL_LINK": self.thumbnail,
            "TABLE_USER": joined(x.name for x in u),
            "TABLE_SPLIT": joined("---" for _ in u),
            "TWEETS_DL": joined(str(x.tweets_downloaded) for x in u),
            "RETWEETS": joined(str(x.retweets) for x in u),
            "SHORT_TWEETS": joined(str(x.short_tweets) for x in u),
            "TWEETS_KEPT": joined(str(x.tweets_kept) for x in u),
            "WANDB_PREPROCESS": self.wandb_preprocess,
            "WANDB_TRAIN": self.wandb_train,
            "RANDOM_SZ": " " * self.random_size,
        }
        for i in range(1, 4):
            values[f"USER_PROFILE_{i}"] = u[i - 1].avatar if i <= len(u) else ""
            values[f"DISPLAY_{i}"] = "inherit" if i <= len(u) else "none"
        return values

    def render(self) -> str:
        """The card text: the template with every placeholder replaced in one pass."""
        values = self.values()
        pattern = re.compile("|".join(sorted((re.escape(k) for k in values), key=len, reverse=True)))
        return pattern.sub(lambda m: values[m.group(0)], template_text(self.template))

    def to_bytes(self, *, mojibake: bool = False, crlf: bool = False) -> bytes:
        """The card as the Hub would serve it; optionally double-encoded (cp1252 kind)."""
        text = self.render()
        if crlf:
            text = text.replace("\n", "\r\n")
        data = text.encode("utf-8")
        if mojibake:
            import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252)

            data = data.decode("sloppy-windows-1252").encode("utf-8")
        return data


def _handle(rng: random.Random, taken: set[str]) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_"
    while True:
        n = rng.randint(2, 15)
        h = rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(rng.choice(alphabet) for _ in range(n - 1))
        if h not in taken:
            taken.add(h)
            return h


def random_name(rng: random.Random) -> str:
    """A realistic display name, now and then a hostile one."""
    r = rng.random()
    if r < 0.45:
        return rng.choice(_NAMES).strip() or "..."
    if r < 0.85:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    else:
        name = rng.choice(_FIRST)
    if rng.random() < 0.25:
        name += " " + rng.choice(_EMOJI)
    return name


def _counts(rng: random.Random) -> tuple[int, int, int]:
    if rng.random() < 0.05:  # tiny or empty accounts exist
        return rng.randint(0, 3), rng.randint(0, 3), rng.randint(0, 5)
    downloaded = min(3250, int(rng.triangular(50, 3250, 3200)))
    retweets = int(downloaded * rng.random() * 0.6)
    short = int((downloaded - retweets) * rng.random() * 0.4)
    return retweets, short, downloaded - retweets - short


def _run_id(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))


def random_spec(
    rng: random.Random,
    *,
    template: str | None = None,
    n_users: int | None = None,
    taken: set[str] | None = None,
    author: str = DEFAULT_AUTHOR,
) -> CardSpec:
    """One random card of ``template`` (default: any era) with 1-6 users, a repo of ``author``."""
    template = template or rng.choice(TEMPLATES)
    if template != MULTI_USER_TEMPLATE:
        n_users = 1
    elif n_users is None:
        n_users = rng.choices([1, 2, 3, 4, 5, 6], weights=[50, 25, 17, 4, 2, 2])[0]
    taken = taken if taken is not None else set()
    users = []
    for _ in range(n_users):
        handle = _handle(rng, taken)
        rt, short, kept = _counts(rng)
        avatar = f"https://pbs.twimg.com/profile_images/{rng.randint(10**17, 10**19)}/{_run_id(rng)}_400x400.jpg"
        users.append(SpecUser(handle, random_name(rng), avatar, rt, short, kept))
    name = "-".join(sorted(u.handle for u in users))
    start = datetime.fromisoformat(template[:10]).replace(tzinfo=timezone.utc)
    created = start + timedelta(seconds=rng.randint(0, 200 * 86400))
    if "SOCIAL_LINK" in template_text(template) and rng.random() < 0.9:
        thumbnail = f"https://www.huggingtweets.com/{name}/{int(created.timestamp() * 1000)}/predictions.png"
    else:
        m = re.search(r"^thumbnail: (\S+)$", template_text(template), re.M)
        thumbnail = m.group(1) if m and m.group(1) != "SOCIAL_LINK" else LOGO
    preprocess, train = _run_id(rng), _run_id(rng)
    sha = hashlib.sha1(f"{name}{created}".encode()).hexdigest()
    meta = {
        "id": f"{author}/{name}",
        "sha": sha,
        # As the Hub says it: repos older than its creation-date records get a placeholder.
        "createdAt": max(created, HUB_CREATED_AT_FLOOR - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "lastModified": (created + timedelta(days=rng.randint(0, 30))).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "downloads": int(rng.paretovariate(1.2)) - 1,
        "likes": int(rng.paretovariate(2.0)) - 1,
        "tags": ["transformers", "pytorch", "gpt2", "text-generation", "en", "huggingtweets"],
        "pipeline_tag": "text-generation",
        "library_name": "transformers",
    }
    return CardSpec(
        template=template,
        users=tuple(users),
        thumbnail=thumbnail,
        wandb_preprocess=f"https://wandb.ai/wandb/huggingtweets/runs/{preprocess}",
        wandb_train=f"https://wandb.ai/wandb/huggingtweets/runs/{train}",
        random_size=rng.randint(1, 100),
        meta=meta,
    )


def generate(n: int, *, seed: int = 0, author: str = DEFAULT_AUTHOR) -> list[CardSpec]:
    """``n`` cards of ``author``'s with distinct repo names, every era represented (for n >= 9)."""
    rng = random.Random(seed)
    taken: set[str] = set()
    specs = []
    for i in range(n):
        template = TEMPLATES[i] if i < len(TEMPLATES) else None
        specs.append(random_spec(rng, template=template, taken=taken, author=author))
    return specs


def write_snapshot(cards_dir: Path, specs: list[CardSpec], *, mojibake_share: float = 0.3, seed: int = 0) -> None:
    """Write ``specs`` as a cards/ snapshot (README.md + meta.json per model)."""
    rng = random.Random(seed)
    for spec in specs:
        data = spec.to_bytes(mojibake=rng.random() < mojibake_share)
        snapshot.write_entry(cards_dir, spec.name, readme=data, meta=spec.meta)
