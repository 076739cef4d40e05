"""The MkDocs hook that drops the theme's indentation (generator/compact.py): the page reads the same."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from generator.compact import compact_html

#: Pieces of markup whose mixes the property tests try: text, tags, verbatim blocks, every kind of whitespace.
PIECES = st.sampled_from(
    ["<div>", "</div>", "<pre>", "</pre>", "<PRE class=x>", "<textarea>", "</textarea>", "<a href='/'>", "</a>",
     "word", "·", "é", "\n", "\r\n", "  ", "\t", " \n   ", "\n\n\n", "\f", "<script>var a=1;</script>"]
)  # fmt: skip
PAGES = st.lists(PIECES, max_size=60).map("".join)
VERBATIM = re.compile(r"<pre\b.*?</pre>|<textarea\b.*?</textarea>", re.S | re.I)


def _rendered_text(html: str) -> str:
    """What ordinary HTML text layout keeps of the whitespace outside verbatim blocks: one space per run."""
    out, last = [], 0
    for m in VERBATIM.finditer(html):
        out += [re.sub(r"\s+", " ", html[last : m.start()]), m.group()]
        last = m.end()
    return "".join([*out, re.sub(r"\s+", " ", html[last:])])


@given(PAGES)
def test_whitespace_runs_shrink_but_the_page_reads_the_same(page):
    out = compact_html(page)
    assert _rendered_text(out) == _rendered_text(page)
    assert VERBATIM.findall(out) == VERBATIM.findall(page)  # <pre> and <textarea> byte for byte
    assert compact_html(out) == out
    assert len(out) <= len(page)


@given(PAGES)
def test_no_line_outside_pre_keeps_its_indentation(page):
    for outside in VERBATIM.split(compact_html(page)):
        assert not re.search(r"\n[ \t\f\v\r]", outside)
        assert "\n\n" not in outside


def test_a_material_page_keeps_its_words_and_its_code_block():
    page = (
        '<div class="md-header__topic">\n          <span class="md-ellipsis">\n            huggingtweets gallery\n'
        "          </span>\n        </div>\n\n\n"
        '<div class="highlight"><pre><code>from transformers import pipeline\n'
        '    generator = pipeline("text-generation")</code></pre></div>\n'
        "  Data: <a>bots.json</a> ·\n    <a>bots.csv</a>"
    )
    out = compact_html(page)
    assert out == (
        '<div class="md-header__topic">\n<span class="md-ellipsis">\nhuggingtweets gallery\n</span>\n</div>\n'
        '<div class="highlight"><pre><code>from transformers import pipeline\n'
        '    generator = pipeline("text-generation")</code></pre></div>\n'
        "Data: <a>bots.json</a> ·\n<a>bots.csv</a>"
    )
