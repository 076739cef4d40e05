"""The MkDocs hook that drops the theme's indentation from every page (``mkdocs.yml``: ``hooks:``).

Material's templates indent their markup for their own readability, and
Jinja writes that indentation, and the blank lines its tags leave, into
every page: 3 KB of a 20 KB bot page, which at 20,000 bots and 42,000 pages
is over 100 MB of the 1 GB GitHub Pages publishes. :func:`compact_html`
ends every run of whitespace at its first line break, outside ``<pre>`` and
``<textarea>``. A browser lays out any run of
whitespace in ordinary text as one space (and ``white-space: pre-line``
keeps the line break), so the page looks and reads the same; what sits in
``<pre>`` (the pipeline snippet) is left byte for byte.

Nothing is parsed: two regular expression passes over a 20 KB page cost
~0.1 ms, next to the ~7 ms MkDocs spends rendering it.

MkDocs loads this file by its path, as a module of its own: it imports
nothing from the package. Zensical runs no hooks, so its pages keep the
whitespace and are otherwise the same.
"""

from __future__ import annotations

import re
from typing import Any

#: Elements whose whitespace is their content.
_VERBATIM = re.compile(r"(<pre\b.*?</pre>|<textarea\b.*?</textarea>)", re.S | re.I)
#: A line break and the whitespace after it (the spaces before one are rare, and a pattern that
#: also took them costs 6 times as much: every space in the page would start a match).
_BROKEN_RUN = re.compile(r"\n\s+")


def compact_html(html: str) -> str:
    """``html`` with each whitespace run cut at its first line break (not in ``<pre>``/``<textarea>``).

    >>> compact_html('<div>\\n    <a href="/">Home</a>\\n\\n    <pre>  a\\n    b</pre>\\n  </div>')
    '<div>\\n<a href="/">Home</a>\\n<pre>  a\\n    b</pre>\\n</div>'
    >>> compact_html("one  two")  # no line break: left as it is
    'one  two'
    """
    parts = _VERBATIM.split(html)
    for i in range(0, len(parts), 2):  # the even parts lie outside <pre> and <textarea>
        parts[i] = _BROKEN_RUN.sub("\n", parts[i])
    return "".join(parts)


def on_post_page(output: str, page: Any, config: Any) -> str:
    """MkDocs' last step before it writes a page: the page, compacted."""
    return compact_html(output)


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    """The same for the pages MkDocs renders from a template alone (``404.html``)."""
    return compact_html(output_content) if template_name.endswith(".html") else output_content
