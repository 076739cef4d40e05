"""The 59 real huggingtweets cards in ``tests/fixtures/real-cards/`` and how well they read.

Each fixture is a real card recovered from stored copies of Hub pages, led by
an HTML comment naming its sources (see the README there). The comment is not
part of the card: :func:`card_bytes` strips it before anything parses the card.
``expected.json`` holds the true values, users in table-column order, and a
``check`` saying how much of them is certain (``exact``, ``counts``, ``none``).

:func:`score` compares what the reader makes of every card with the truth and
counts, per card, the values stated (non-null in the truth), the values read
back right, and the values read back wrong (a value that differs from the
truth; null is never wrong). ``bench/bench_real_cards.py`` prints the figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from generator.models import COUNT_FIELDS, Bot
from generator.normalise import normalise_source, resolve_columns
from generator.snapshot import CardSource

REAL = Path(__file__).resolve().parent / "fixtures" / "real-cards"
CARDS = REAL / "cards"
_COMMENT = re.compile(rb"\A<!--.*?-->\r?\n", re.S)


def card_bytes(name: str) -> bytes:
    """The card itself: the fixture's bytes without its leading source comment."""
    data = (CARDS / f"{name}.md").read_bytes()
    stripped = _COMMENT.sub(b"", data, count=1)
    assert stripped != data, f"{name}.md has no leading source comment"
    return stripped


def source_comment(name: str) -> str:
    """The fixture's leading source comment (where the card came from)."""
    data = (CARDS / f"{name}.md").read_bytes()
    m = _COMMENT.match(data)
    assert m, f"{name}.md has no leading source comment"
    return m.group(0).decode("utf-8")


def kind_of(name: str) -> str:
    """``R`` (reconstructed byte-exact) or ``V`` (verbatim degraded excerpt)."""
    return "R" if "recovery: reconstructed-raw" in source_comment(name) else "V"


def names() -> list[str]:
    return sorted(p.stem for p in CARDS.glob("*.md"))


def expected() -> dict[str, dict]:
    return json.loads((REAL / "expected.json").read_text(encoding="utf-8"))


def read_card(name: str, data: bytes | None = None) -> Bot:
    """One card as the normaliser reads it (no Hub metadata, as a loose card)."""
    source = CardSource(name=name, readme=card_bytes(name) if data is None else data, meta={}, path=CARDS / f"{name}.md")
    return normalise_source(source)


def read_all() -> dict[str, Bot]:
    """Every fixture card, read and column-mapped across the set as a snapshot would be."""
    bots = resolve_columns([read_card(n) for n in names()])
    return {b.name: b for b in bots}


@dataclass
class CardScore:
    name: str
    kind: str  # R or V
    check: str
    stated: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def fully_right(self) -> bool:
        return not self.wrong and self.right == self.stated


def score_bot(name: str, truth: dict, bot: Bot, *, kind: str = "V") -> CardScore:
    """Compare one bot with its truth: stated values, right ones, and every wrong one named."""
    s = CardScore(name=name, kind=kind, check=truth["check"])
    users = truth["users"]
    if len(bot.users) != len(users):
        s.wrong.append(f"{len(bot.users)} users, the truth has {len(users)}")
    for i, want in enumerate(users):
        got = bot.users[i] if i < len(bot.users) else None
        for f in ("name", *COUNT_FIELDS):
            true_value = want[f]
            if true_value is None:
                continue
            s.stated += 1
            value = getattr(got, f) if got is not None else None
            if value is None:
                continue
            if value == true_value:
                s.right += 1
            else:
                s.wrong.append(f"user {i + 1} {f}: {value!r}, the truth is {true_value!r}")
    return s


def score(bots: dict[str, Bot] | None = None) -> list[CardScore]:
    bots = read_all() if bots is None else bots
    return [score_bot(n, t, bots[n], kind=kind_of(n)) for n, t in sorted(expected().items())]


def summary(scores: list[CardScore], kind: str | None = None) -> dict[str, float | int]:
    """Share of stated values recovered and share of cards fully right, over one kind or all."""
    chosen = [s for s in scores if kind is None or s.kind == kind]
    stated = sum(s.stated for s in chosen)
    right = sum(s.right for s in chosen)
    return {
        "cards": len(chosen),
        "stated": stated,
        "right": right,
        "wrong": sum(len(s.wrong) for s in chosen),
        "values_share": right / stated if stated else 1.0,
        "cards_fully_right": sum(s.fully_right for s in chosen),
        "cards_share": sum(s.fully_right for s in chosen) / len(chosen) if chosen else 1.0,
    }
