"""The card reader on its own: templates recognised, garbage read without raising.

(What the reader gives back per field, through the normaliser, is in test_normalise.py.)
"""

from __future__ import annotations

import pytest

from generator.card_templates import TEMPLATES, template_text
from generator.parse import detect_template, parse_card


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_is_detected_as_itself(template):
    assert detect_template(template_text(template)) == (template, 1.0)


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe\x00", b"---\n---\n", b"---\nfoo: [\n", b"| Data |\n|---|\n| x |", b"<div><div style='background-image: url(", b"\x00" * 50],
)
def test_garbage_never_raises(data):
    card = parse_card(data)
    assert card.problems


def _cards_of_every_kind() -> list[bytes]:
    """Every card the tests keep (seeds, real cards, hostile ones) and synthetic cards with mojibake."""
    import random

    from generator import corpus

    from .conftest import FIXTURES, ROOT

    found = [p.read_bytes() for root in (FIXTURES, ROOT / "cards") for p in sorted(root.rglob("*.md"))]
    rng = random.Random(7)
    for spec in corpus.generate(60, seed=7):
        found.append(spec.to_bytes(mojibake=rng.random() < 0.5, crlf=rng.random() < 0.2))
    return found


def test_repair_is_ftfy_on_the_whole_text():
    """``repair`` hands ftfy only the lines that are not pure ASCII: the text is the same as
    ``ftfy.fix_text`` of the whole card, on every card the tests know and on mixed lines."""
    import ftfy

    from generator.parse import _FTFY, repair

    cards = _cards_of_every_kind()
    assert len(cards) > 100
    changed = 0
    for data in cards:
        for text in (data.decode("utf-8", "replace"), data.decode("sloppy-windows-1252")):
            fixed = ftfy.fix_text(text, _FTFY)
            assert repair(text) == fixed
            changed += fixed != text
    assert changed > 10  # the mojibake cards were repaired, not passed through
    lines = ["plain & &amp; <b>", "\x1b[31mred\x1b[0m", "Don Hughes \u00f0\u0178\u00a6\u0152", "\x85 \x9d",
             "\ud800", "ta\tb\r", "a\u00a0b", "\u00c3\u00a9t\u00c3\u00a9", "", "\u2028x"]  # fmt: skip
    rng = __import__("random").Random(3)
    for _ in range(300):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randint(0, 8))) + rng.choice(["", "\n"])
        assert repair(text) == ftfy.fix_text(text, _FTFY), repr(text)
