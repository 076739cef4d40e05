"""Escaping and formatting card text for each context it lands in.

Card text is untrusted. Pages are jinja2 templates with autoescaping on, and
every card value sits inside a raw HTML block, never in Markdown syntax;
control characters are dropped first (:func:`clean`), so a value cannot forge
Markdown's internal placeholders either. Front matter goes through
``yaml.safe_dump`` (:func:`front_matter`), CSV cells through :func:`csv_cell`,
and only ``http(s)`` URLs become links (:func:`http_url`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import jinja2
import yaml
from markupsafe import Markup, escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(value: str) -> str:
    """Drop control and bidi-override characters (keeps tab and newline).

    >>> clean("a\\x02b\\u202ec")
    'abc'
    """
    return _CONTROL.sub("", value)


def one_line(value: str) -> str:
    """``value`` cleaned, with every run of whitespace (newlines too) made one space.

    >>> one_line(" a\\n---\\n b ")
    'a --- b'
    """
    return " ".join(clean(value).split())


def http_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL, else ``None`` (no ``javascript:``, no relative).

    >>> http_url("https://wandb.ai/x"), http_url("javascript:alert(1)"), http_url("//evil")
    ('https://wandb.ai/x', None, None)
    """
    if not value or _CONTROL.search(value) or any(c.isspace() for c in value):
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _finalize(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean(value)
    return value


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _day(value: str | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return value[:10]


def _lines(value: str) -> Markup:
    """Text of several lines (a generated sample) as escaped HTML, its line breaks as ``<br>``.

    Never a raw newline: a blank line would end the page's raw HTML block and
    let Markdown read the rest.

    >>> _lines("a <b>\\n\\nc")
    Markup('a &lt;b&gt;<br><br>c')
    """
    return Markup("<br>").join(escape(" ".join(clean(line).split())) for line in value.split("\n"))


def _pystr(value: str) -> str:
    """A Python string literal (JSON's is one), on one line whatever the input."""
    return json.dumps(clean(value), ensure_ascii=False)


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment: autoescape everywhere, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("generator", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.filters.update(num=_num, pct=_pct, day=_day, pystr=_pystr, lines=_lines)
    return env


def front_matter(meta: Mapping[str, Any]) -> str:
    """YAML front matter; ``safe_dump`` quotes whatever needs it (``---``, ``:``, ``#``).

    libyaml's emitter (when PyYAML has it) writes the same text at a tenth of the cost (a third of
    a rebuild's page rendering), except that it escapes characters beyond the BMP (emoji) where
    PyYAML's own writes them as they are: any text it escaped is written by PyYAML's instead, so the
    bytes are the same either way.
    """
    data = dict(meta)
    if _CDumper is not None:
        text = yaml.dump(data, Dumper=_CDumper, allow_unicode=True, sort_keys=True, width=1000)
        if "\\" not in text:
            return "---\n" + text + "---\n\n"
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=1000) + "---\n\n"


_CDumper = getattr(yaml, "CSafeDumper", None)


def csv_cell(value: Any) -> Any:
    """A CSV value; text a spreadsheet would evaluate (``=``, ``+``, ``-``, ``@``) gets a leading ``'``.

    >>> csv_cell("=HYPERLINK(1)"), csv_cell(3)
    ("'=HYPERLINK(1)", 3)
    """
    if isinstance(value, str):
        value = clean(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value
