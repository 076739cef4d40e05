"""Hostile snapshot entries too large or too special to commit: each made by one named function.

The small hostile cases are committed files under ``tests/fixtures/hostile/``
(one folder each, named after the case). The ones here would be megabytes
(22,000-deep YAML, 23,000 nested ``<div>``, 100,000 extra rows, a 1 MB prompt)
or cannot be files in git at all (a FIFO, a link to ``/dev/zero``, a link out
of the snapshot), so the tests build them in a temporary snapshot. Each
function writes one entry and returns its repo name; every card is the real
seed card ``annhertzz`` with one thing made hostile.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from generator import corpus

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "fixtures" / "golden" / "cards"
COMMITTED = ROOT / "tests" / "fixtures" / "hostile"
LOOSE_WITH_README = ROOT / "tests" / "fixtures" / "loose-with-readme"
#: Text of the file a link points at outside the snapshot: it must never be published.
SECRET = "TOP-SECRET-OUTSIDE-THE-SNAPSHOT"


def seed_card(name: str) -> str:
    """The real seed card of @annhertzz, re-addressed to ``name`` (its own display name and avatar)."""
    text = (SEEDS / "annhertzz" / "README.md").read_text(encoding="utf-8")
    text = text.replace("annhertzz", name).replace("Ann Hearse", f"Hostile {name}")
    return text.replace("1209379972382461953/NQYeAuam", f"1/{name}")


def _entry(cards: Path, name: str, readme: str | bytes | None) -> Path:
    folder = cards / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "meta.json").write_text(json.dumps({"id": f"huggingtweets/{name}"}) + "\n", encoding="utf-8")
    if isinstance(readme, str):
        readme = readme.encode("utf-8")
    if readme is not None:
        (folder / "README.md").write_bytes(readme)
    return folder


def deep_yaml(cards: Path) -> str:
    """Front matter nested 22,000 levels (44 KB): libyaml's CSafeLoader segfaults on it."""
    text = seed_card("deepyaml").replace('- text: "My dream is"', '- text: "My dream is"\nx: ' + "[" * 22_000 + "]" * 22_000)
    _entry(cards, "deepyaml", text)
    return "deepyaml"


def deep_yaml_block(cards: Path) -> str:
    """Block-style nesting (``- - - - x``), 5,000 levels on one line."""
    text = seed_card("deepblock").replace('- text: "My dream is"', '- text: "My dream is"\ny:\n' + "- " * 22_000 + "x")
    _entry(cards, "deepblock", text)
    return "deepblock"


def deep_divs(cards: Path) -> str:
    """23,000 nested ``<div>`` in the header (255 KB, under the fetch cap): ~50 s a card unbounded.

    Over the card budget's size; :func:`nested_divs` is under it but over its nesting bound.
    """
    text = seed_card("deepdivs").replace("<div>\n<div style", "<div>" * 23_000 + "</div>" * 23_000 + "<div>\n<div style", 1)
    _entry(cards, "deepdivs", text)
    return "deepdivs"


def nested_divs(cards: Path) -> str:
    """5,000 nested ``<div>`` (55 KB): under the size budget, over the HTML nesting bound."""
    text = seed_card("nesteddivs").replace("<div>\n<div style", "<div>" * 5_000 + "</div>" * 5_000 + "<div>\n<div style", 1)
    _entry(cards, "nesteddivs", text)
    return "nesteddivs"


def ampersands(cards: Path) -> str:
    """A 6-handle cyborg whose header name has 120 `` & `` parts: 577 s of split search unbounded."""
    handles = ("amp_a", "amp_b", "amp_c", "amp_d", "amp_e", "amp_f")
    users = tuple(
        corpus.SpecUser(h, " & ".join(["R"] * 20), f"https://pbs.twimg.com/profile_images/9/{h}_400x400.jpg", 10, 5, 100)
        for h in handles
    )
    spec = corpus.CardSpec(
        template=corpus.MULTI_USER_TEMPLATE,
        users=users,
        thumbnail=f"https://www.huggingtweets.com/{'-'.join(handles)}/1635716550756/predictions.png",
        wandb_preprocess="https://wandb.ai/wandb/huggingtweets/runs/amp1",
        wandb_train="https://wandb.ai/wandb/huggingtweets/runs/amp2",
    )
    _entry(cards, spec.name, spec.to_bytes())
    return spec.name


def huge_prompt(cards: Path) -> str:
    """A 1 MB widget prompt: over the card budget, so never parsed, measured or drawn."""
    _entry(cards, "hugeprompt", seed_card("hugeprompt").replace("My dream is", "dream " * 175_000, 1))
    return "hugeprompt"


def long_prompt(cards: Path) -> str:
    """A 30 KB widget prompt, under the card budget: the prompt alone is refused."""
    _entry(cards, "longprompt", seed_card("longprompt").replace("My dream is", "dream " * 5_000, 1))
    return "longprompt"


def many_rows(cards: Path) -> str:
    """100,000 extra table rows (1.1 MB): over the card budget, one problem."""
    rows = "".join(f"| Row {i} | 1 |\n" for i in range(100_000))
    _entry(cards, "manyrows", seed_card("manyrows").replace("| Tweets kept | 2712 |\n", "| Tweets kept | 2712 |\n" + rows))
    return "manyrows"


def extra_rows(cards: Path) -> str:
    """900 extra table rows inside the budget: problems capped and summarised, counts still read."""
    rows = "".join(f"| R{i} | 1 |\n" for i in range(900))
    _entry(cards, "extrarows", seed_card("extrarows").replace("| Tweets kept | 2712 |\n", "| Tweets kept | 2712 |\n" + rows))
    return "extrarows"


def dev_zero(cards: Path) -> str:
    """README.md is a link to /dev/zero: reading it whole is a MemoryError."""
    folder = _entry(cards, "devzero", None)
    os.symlink("/dev/zero", folder / "README.md")
    return "devzero"


def fifo(cards: Path) -> str:
    """README.md is a FIFO nobody writes to: reading it hangs forever."""
    folder = _entry(cards, "fifocard", None)
    os.mkfifo(folder / "README.md")
    return "fifocard"


def link_outside(cards: Path) -> str:
    """README.md links to a file outside the snapshot: it must not be read or published."""
    outside = cards.parent / "outside-the-snapshot"
    outside.mkdir(exist_ok=True)
    secret = outside / "secret.md"
    secret.write_text(seed_card("linkout").replace("Hostile linkout", SECRET), encoding="utf-8")
    folder = _entry(cards, "linkout", None)
    os.symlink(secret, folder / "README.md")
    return "linkout"


def folder_outside(cards: Path) -> str:
    """A whole model folder that links out of the snapshot."""
    outside = cards.parent / "outside-folder"
    _entry(outside, "dirout", seed_card("dirout").replace("Hostile dirout", SECRET))
    os.symlink(outside / "dirout", cards / "dirout")
    return "dirout"


def link_inside(cards: Path) -> str:
    """A README that links to another file inside the snapshot: followed (it is the snapshot's own)."""
    folder = _entry(cards, "linkin", None)
    (cards / "shared-card.txt").write_text(seed_card("linkin"), encoding="utf-8")
    os.symlink("../shared-card.txt", folder / "README.md")
    return "linkin"


#: Every generated case, in a stable order.
GENERATED: tuple[Callable[[Path], str], ...] = (
    deep_yaml, deep_yaml_block, deep_divs, nested_divs, ampersands, huge_prompt, long_prompt, many_rows, extra_rows,
    dev_zero, fifo, link_outside, folder_outside, link_inside,
)  # fmt: skip

#: Committed cases that cannot be published, and the id each skip line must also name (or None).
UNPUBLISHABLE = {
    "GetFiscal": "huggingtweets/getfiscal",  # case twin of the seed card
    "index": None,
    "README": None,
    "index-zz": None,
    "bad.name": None,
}


def hostile_snapshot(cards: Path) -> list[str]:
    """The committed hostile cases plus every generated one in ``cards``; returns the generated names."""
    shutil.copytree(COMMITTED, cards, dirs_exist_ok=True)
    return [make(cards) for make in GENERATED]
