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
