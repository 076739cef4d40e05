"""The MkDocs hooks that take the theme's repeated weight off the pages (``docs/overrides/hooks.py``).

At 20,000 bots the site has ~42,000 bot and account pages, and GitHub Pages
publishes at most 1 GB; Material writes ~16 KB of header, search, palette,
tabs, drawer and footer into each, next to 1-4 KB of the page's own. Two
cuts, neither changing what a visitor sees (screenshots are pixel-identical):

1. :func:`compact_html`, on every page: Material's templates indent their
   markup for their own readability, and Jinja writes that indentation and
   the blank lines its tags leave into each page (3 KB of a 20 KB bot page).
   Every run of whitespace is ended at its first line break, outside
   ``<pre>`` and ``<textarea>``: a browser lays out any run of whitespace in
   ordinary text as one space (``white-space: pre-line`` keeps the break),
   and what sits in ``<pre>`` (the pipeline snippet) is left byte for byte.
2. :func:`script_header`, on bot and account pages (:data:`SCRIPTED`): what
   only Material's JavaScript uses (the palette toggle, the search button
   and dialog, the storage helpers and the configuration its bundle reads)
   is written by one small cached script, ``assets/header.<hash>.js``, built
   from the markup Material rendered for the first such page (nothing is
   copied from Material by hand). It writes the widgets where it stands
   while the page is parsed, before it is painted, and applies the stored
   colour scheme as Material's inline script did: 4.2 KB a page. A page
   whose pieces differ from the first page's keeps its own.

Nothing is parsed: a few regular expression passes over a 20 KB page cost
~0.1-0.2 ms, next to the ~7 ms MkDocs spends rendering it.

``mkdocs.yml`` names ``docs/overrides/hooks.py``, in the project folder,
which takes its hooks from here. Zensical runs no hooks, so its pages keep
the whitespace and the inline widgets and are otherwise the same.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
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


# --- the header's scripted widgets: written once, not into each bot and account page ---------

#: Page URLs whose header widgets come from :data:`HEADER_JS` (``bots/<name>/``, ``accounts/<handle>/``):
#: all at the same depth, so the widgets' relative links are the same on each.
SCRIPTED = re.compile(r"(bots|accounts)/[^/]+/")
#: Material's pieces that only its JavaScript uses, the same on every such page: the head script
#: that defines its storage helpers (``__md_get``...), the header's palette toggle (a form, and the
#: inline script that applies the stored choice) and search button and dialog (they end at the
#: header's last ``</nav>``), and the configuration its bundle reads (``#__config``).
_SCOPE = re.compile(r"<script>(__md_scope=.*?)</script>\n?", re.S)
_WIDGETS_START = '<form class="md-header__option" data-md-component="palette">'
_WIDGETS = re.compile(
    r'(<form class="md-header__option" data-md-component="palette">.*?</form>)\s*<script>(.*?)</script>\s*'
    r'(<label class="md-header__button md-icon" for="__search">.*<div class="md-search" data-md-component="search".*)',
    re.S,
)
_CONFIG = re.compile(r'<script id="__config" type="application/json">.*?</script>\n?', re.S)
#: The script's name; its contents' hash follows (``assets/header.1a2b3c4d.js``), so a browser
#: never keeps an older copy.
HEADER_JS = "assets/header"
#: This build's first bot or account page's pieces (``pieces``: the storage helpers' code, the
#: form, the palette code, the search markup, the configuration), and the script's name (``name``).
_seen: dict[str, Any] = {}


def header_script(pieces: tuple[str, str, str, str, str]) -> str:
    """The script that defines Material's storage helpers, writes its header widgets where it stands and runs its palette code.

    Only a visitor with JavaScript can use the palette toggle and the search (both are Material's
    scripts), so a visitor without it loses nothing; one with it gets the same markup, written
    while the page is parsed, before it is painted, so the stored colour scheme never flashes.
    Material's bundle, at the end of the page, finds everything where it looks (by selector).
    """
    scope, form, palette, search, config = pieces
    return (
        "/* Material's own header widgets and scripts, taken from its markup by generator/compact.py. */\n"
        f"{scope};\n(function(s){{s.insertAdjacentHTML(\"beforebegin\",{json.dumps(form)});\n"
        f"{palette}\n;s.insertAdjacentHTML(\"beforebegin\",{json.dumps(search + config)})}})(document.currentScript);\n"
    )


def script_header(html: str, url: str) -> str:
    """``html`` with Material's JavaScript-only pieces replaced by one ``<script src>`` of :data:`HEADER_JS`.

    Left as it is when the page does not hold them as expected, or holds other ones than the
    first page did (one script serves every page, so they must be the same).
    """
    scope = _SCOPE.search(html)
    config = _CONFIG.search(html)
    start = html.find(_WIDGETS_START)
    end = html.rfind("</nav>", start, html.find("</header>", start)) if start >= 0 else -1
    widgets = _WIDGETS.fullmatch(html, start, end) if end > start else None
    if not (scope and widgets and config and scope.end() <= start and end <= config.start()):
        return html
    pieces = (scope[1], widgets[1], widgets[2], widgets[3], config[0])
    if not _seen:
        _seen.update(pieces=pieces, name=header_name(pieces))
    elif pieces != _seen["pieces"]:
        return html
    depth = "../" * url.count("/")  # the pieces' own links (the icon sprite, Material's base) are relative to such a page too
    return "".join([
        html[: scope.start()], html[scope.end() : start],
        f'<script src="{depth}{_seen["name"]}"></script>',
        html[end : config.start()], html[config.end() :],
    ])  # fmt: skip


def header_name(pieces: tuple[str, ...]) -> str:
    """``assets/header.<first 8 hex digits of the script's SHA-256>.js``."""
    return f"{HEADER_JS}.{hashlib.sha256(header_script(pieces).encode()).hexdigest()[:8]}.js"  # type: ignore[arg-type]


def on_pre_build(config: Any) -> None:
    """A new build: no widgets seen yet."""
    _seen.clear()


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Once a page's Markdown is HTML, MkDocs needs only the HTML: let the Markdown go.

    MkDocs converts every page before it renders any, and keeps each page's Markdown until the
    end: at 1,000 bots the MkDocs process peaks at 89 MB instead of 100 MB (the same pages), so
    ~220 MB less at 20,000. An empty string, not None: ``Page.title`` reads None as "not read yet".
    """
    page.markdown = ""
    return html


def on_post_page(output: str, page: Any, config: Any) -> str:
    """MkDocs' last step before it writes a page: the page, compacted, and on bot and account pages, its header's widgets scripted."""
    html = compact_html(output)
    return script_header(html, page.url) if SCRIPTED.fullmatch(page.url) else html


def on_post_build(config: Any) -> None:
    """Write :data:`HEADER_JS` once the pages that point at it are written."""
    if _seen:
        target = Path(config["site_dir"]) / _seen["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(header_script(_seen["pieces"]), encoding="utf-8")


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    """The same for the pages MkDocs renders from a template alone (``404.html``)."""
    return compact_html(output_content) if template_name.endswith(".html") else output_content
