"""Damage a card the way stored views of Hub pages damaged the real excerpts.

Each function takes card text and returns it damaged one way, as seen in
``tests/fixtures/real-cards`` (see each V card's ``recovery:`` line): the
crawler stripped the header HTML, collapsed blank lines or every line break,
rendered the Markdown (or HTML) table to text, and dropped or flattened the
front matter's fences.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TAG = re.compile(r"<[^>]*>")


def strip_html(text: str) -> str:
    """Every HTML tag removed and the lines left empty dropped ("HTML tags stripped")."""
    out = []
    for line in text.split("\n"):
        stripped = _TAG.sub("", line)
        if line.strip() and not stripped.strip():
            continue
        out.append(stripped.strip() if stripped != line else line)
    return "\n".join(out)


def collapse_blank_lines(text: str) -> str:
    """Runs of blank lines collapsed to a single line break ("blank lines collapsed")."""
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+", "\n", text)


def collapse_line_breaks(text: str) -> str:
    """Every run of whitespace with a line break in it made one space ("ALL whitespace collapsed")."""
    return re.sub(r"[ \t]*\n\s*", " ", text)


def render_table(text: str) -> str:
    """Pipe tables (and HTML tables) rendered to text: cells joined by spaces, no separator row."""
    lines = text.split("\n")
    out = []
    for line in lines:
        s = line.strip()
        if re.fullmatch(r"\|?(?:\s*:?-{3,}:?\s*\|)+\s*(?::?-{3,}:?)?\s*", s):
            continue
        if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
            out.append(" ".join(c.strip() for c in s[1:-1].split(" | ")).strip())
        else:
            out.append(line)
    rendered = "\n".join(out)
    # An HTML table: one line per row, its cells joined by spaces.
    def row(m: re.Match[str]) -> str:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", m.group(0), re.S)
        return " ".join(c.strip() for c in cells)

    rendered = re.sub(r"<tr[^>]*>.*?</tr>", row, rendered, flags=re.S)
    return re.sub(r"</?(?:table|thead|tbody)[^>]*>\n?", "", rendered)


def blob_table(text: str) -> str:
    """The Hub's blob view of a pipe table: leading pipes gone, separator as ``---|---|``."""
    out = []
    for line in text.split("\n"):
        s = line.strip()
        if re.fullmatch(r"\|(?:\s*:?-{3,}:?\s*\|)+", s):
            out.append("|".join("---" for _ in range(s.count("|") - 1)) + "|")
        elif s.startswith("| ") and s.endswith(" |"):
            out.append(s[2:])
        else:
            out.append(line)
    return "\n".join(out)


def unfence_front_matter(text: str) -> str:
    """The front matter's ``---`` fences dropped (a rendered blob page)."""
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                return "\n".join(lines[1:end] + lines[end + 1 :])
    return text


def flatten_front_matter(text: str) -> str:
    """The front matter, fences and all, run together onto one line."""
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for end in range(1, len(lines)):
            if lines[end].strip() == "---":
                return " ".join(line.strip() for line in lines[: end + 1]) + "\n" + "\n".join(lines[end + 1 :])
    return text


#: Every damage, by name, in the order they are applied when combined.
DAMAGES: dict[str, Callable[[str], str]] = {
    "flatten front matter": flatten_front_matter,
    "unfence front matter": unfence_front_matter,
    "strip HTML": strip_html,
    "render table": render_table,
    "blob table": blob_table,
    "collapse blank lines": collapse_blank_lines,
    "collapse line breaks": collapse_line_breaks,
}
