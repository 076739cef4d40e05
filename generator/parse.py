"""Card text -> the raw fields a huggingtweets card holds, for any template era.

A card is its era's template with values pasted in raw, so the reader works
in layers, each with a real parser: bytes are decoded and their mojibake
repaired by ftfy; the front matter is YAML (PyYAML); the body is Markdown
(markdown-it-py), whose tokens locate the header HTML, the "Training data"
table and the W&B links; the header and the HTML-era tables are parsed with
BeautifulSoup. Nothing here raises on bad input: every defect becomes a
problem string and parsing goes on with what is left.

Values stay as the card wrote them (strings); :mod:`generator.normalise`
turns them into typed records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-* codecs)
import yaml
from bs4 import BeautifulSoup, Tag
from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import budget
from .card_templates import PLACEHOLDERS, REGISTRY, TEMPLATE_ERA, UNFILLED_RE  # noqa: F401 (re-exported)
from .models import Era

# Repair encoding damage only: keep quotes, entities, widths, line breaks and
# normalisation exactly as the card has them, so names read back verbatim.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

# Block structure only: inline parsing is run on demand for the few paragraphs
# whose links we read, which halves the cost of a card.
_MD = MarkdownIt("commonmark").enable("table").disable("inline")
_MD_INLINE = MarkdownIt("commonmark")
_LINK_TEXTS = ("Explore the data", "W&B training run")

# PLACEHOLDERS and TEMPLATE_ERA are the registry's (generator.card_templates), importable from here as before.
_UNFILLED = UNFILLED_RE
#: A card is of a template when it has at least this share of the template's fixed
#: fragments; below it, the card's era is unknown.
MIN_TEMPLATE_SCORE = 0.6

ROW_LABELS = {
    "tweets downloaded": "tweets_downloaded",
    "retweets": "retweets",
    "short tweets": "short_tweets",
    "tweets kept": "tweets_kept",
}

_URL_IN_STYLE = re.compile(r"background-image:\s*url\(\s*(['\"]?)(.*?)\1\s*\)", re.S)
_DISPLAY_IN_STYLE = re.compile(r"display:\s*([\w-]+)")
_OLD_NAME = re.compile(r"^(?P<name>.*?)\s+\S+\s+AI Bot\s*$", re.S)
_BADGE = re.compile(r"\bAI\s+(BOT|CYBORG)\b")
_PREDICTIONS = re.compile(r"/(\d{12,14})/predictions\.png(?:[?#].*)?$")


@dataclass(frozen=True)
class Avatar:
    """One avatar slot of the header, in typed order."""

    url: str | None
    visible: bool


@dataclass(frozen=True)
class ParsedCard:
    """What one card says, as strings, plus the problems met while reading it."""

    template: str | None = None
    era: Era = "unknown"
    front_matter: dict[str, Any] = field(default_factory=dict)
    header_name: str | None = None  # USER_NAME as pasted (names joined with " & ")
    header_handle: str | None = None  # USER_HANDLE from the header
    badge: str | None = None  # "BOT" / "CYBORG" (2021-05-07 era only)
    avatars: tuple[Avatar, ...] = ()
    table_header: tuple[str, ...] = ()  # header cells after "Data"
    table_header_raw: str | None = None  # Markdown header text after "| Data |", verbatim
    rows: dict[str, tuple[str, ...]] = field(default_factory=dict)  # count field -> cells
    wandb_preprocess: str | None = None
    wandb_train: str | None = None
    problems: tuple[str, ...] = ()
    text: str = field(default="", repr=False, compare=False)  # the decoded card, for generator.recover

    @property
    def thumbnail(self) -> str | None:
        value = self.front_matter.get("thumbnail")
        return value if isinstance(value, str) and value else None

    @property
    def widget_prompt(self) -> str | None:
        widget = self.front_matter.get("widget")
        if isinstance(widget, list) and widget and isinstance(widget[0], dict):
            text = widget[0].get("text")
            return text if isinstance(text, str) else None
        return None


def thumbnail_epoch_ms(url: str | None) -> int | None:
    """The Unix time in ms in a ``.../<ms>/predictions.png`` thumbnail URL.

    >>> thumbnail_epoch_ms("https://www.huggingtweets.com/getfiscal/1616662151704/predictions.png")
    1616662151704
    """
    if not url:
        return None
    m = _PREDICTIONS.search(url)
    return int(m.group(1)) if m else None


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes -> text with mojibake repaired; problems for what could not be read cleanly."""
    problems: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); read as Windows-1252")
        text = data.decode("sloppy-windows-1252")
    text = repair(text)
    return text.replace("\r\n", "\n").replace("\r", "\n"), problems


def repair(text: str) -> str:
    r"""``ftfy.fix_text(text, _FTFY)``, without handing ftfy the lines that are pure ASCII.

    ftfy fixes each line on its own (its segments end at a newline, or at
    ``max_decode_length``, which a long line is cut at from its start either way), and
    with this configuration (no HTML unescaping, terminal escapes, control
    characters or line breaks touched) a line of ASCII alone has nothing to repair:
    mojibake, C1 controls and surrogates are all non-ASCII. Most of a card is such
    lines, and ftfy's pass over them was a third of the cost of reading a card.

    >>> repair("plain\nSo\u00c3\u00b1a\n")
    'plain\nSoña\n'
    """
    if text.isascii():
        return text
    out = []
    pos, end = 0, len(text)
    while pos < end:
        stop = text.find("\n", pos) + 1 or end
        line = text[pos:stop]
        out.append(line if line.isascii() else ftfy.fix_text(line, _FTFY))
        pos = stop
    return "".join(out)


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int, list[str]]:
    """Return (front matter, body, body's first line number, problems)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 0, ["no front matter"]
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        return {}, text, 0, ["front matter is not closed by a '---' line"]
    raw = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    if (over := budget.over_yaml_budget(raw)) is not None:  # the C loader could crash on it
        return {}, body, end + 1, [over]
    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or type(exc).__name__
        return {}, body, end + 1, [f"front matter is not valid YAML{where}: {reason}"]
    if data is None:
        return {}, body, end + 1, ["front matter is empty"]
    if not isinstance(data, dict):
        return {}, body, end + 1, ["front matter is not a YAML mapping"]
    return data, body, end + 1, []


#: Every template's fixed fragments, each once (519 fragments over the 9 templates, 113 distinct).
_ALL_FRAGMENTS = frozenset(f for template in REGISTRY.values() for f in template.fragments)


def detect_template(text: str) -> tuple[str | None, float]:
    """The template a card was filled from, and the share of its lines found.

    Scores every template by the share of its fixed line fragments present in
    the card; ties go to the template with more fragments found (a later
    template that only removed lines scores 1.0 on an earlier card too).
    """
    best: tuple[float, int, str | None] = (0.0, 0, None)
    present = {f for f in _ALL_FRAGMENTS if f in text}  # the templates share most lines: each looked for once
    for stem, template in REGISTRY.items():
        frags = template.fragments
        found = sum(1 for f in frags if f in present)
        score = (found / len(frags), found, stem)
        if score[:2] > best[:2]:
            best = score
    return best[2], best[0]


def _header_html(tokens: list[Token]) -> str:
    parts = []
    for tok in tokens:
        if tok.type == "heading_open":
            break
        if tok.type == "html_block":
            parts.append(tok.content)
    return "".join(parts)


def _raw_element_text(tag: Tag, source_lines: list[str]) -> str | None:
    """The element's content exactly as pasted (names are pasted raw, HTML and all)."""
    if tag.sourceline is None or tag.sourcepos is None:
        return None
    line = source_lines[tag.sourceline - 1]
    rest = line[tag.sourcepos :]
    start = rest.find(">")
    end = rest.rfind("</div>")
    if start < 0 or end <= start:
        return tag.get_text()
    return rest[start + 1 : end]


def parse_header(html: str) -> dict[str, Any]:
    """Avatars, pasted name, handle and badge from the card's header HTML."""
    soup = BeautifulSoup(html, "html.parser")
    lines = html.split("\n")
    avatars = []
    name = handle = badge = None
    for div in soup.find_all("div"):
        style = div.get("style") or ""
        m = _URL_IN_STYLE.search(style)
        if m:
            display = _DISPLAY_IN_STYLE.search(style)
            visible = not (display and display.group(1).lower() == "none")
            avatars.append(Avatar(url=m.group(2).strip() or None, visible=visible))
            continue
        if div.find("div"):
            continue
        text = _raw_element_text(div, lines)
        if text is None:
            continue
        stripped = text.strip()
        if "font-weight: 800" in style or "font-weight:800" in style:
            b = _BADGE.search(stripped)
            # The badge div comes before the name div, so a user named "AI BOT"
            # is still read as a name.
            if badge is None and b and re.fullmatch(r"\S*\s*AI\s+(BOT|CYBORG)\s*\S*", stripped):
                badge = b.group(1).upper()
            elif (old := _OLD_NAME.match(text)) is not None:
                name = old.group("name")
            else:
                name = text
        elif stripped.startswith("@"):
            handle = stripped[1:].removesuffix(" bot").strip()
    return {"avatars": tuple(avatars), "name": name, "handle": handle, "badge": badge}


def _section(tokens: list[Token], title: str) -> list[Token]:
    """Tokens between the heading ``title`` and the next heading."""
    out: list[Token] = []
    inside = False
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            if inside:
                break
            inline = tokens[i + 1]
            inside = inline.content.strip().lower() == title.lower()
            continue
        if inside:
            out.append(tok)
    return out


def _split_row(line: str) -> list[str]:
    """Cells of one pipe-table row, for rows markdown-it would not make a table of."""
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _table_rows(section: list[Token], body_lines: list[str]) -> tuple[list[list[str]], str | None, str | None]:
    """Rows of the data table (header first), the raw Markdown header line, and its kind."""
    for idx, tok in enumerate(section):
        if tok.type == "table_open" and tok.map:
            rows: list[list[str]] = []
            current: list[str] | None = None
            for t in section[idx + 1 :]:
                if t.type == "table_close":
                    break
                if t.type == "tr_open":
                    current = []
                elif t.type == "tr_close" and current is not None:
                    # markdown-it pads short rows with empty cells; drop the
                    # padding so a ragged row is seen as ragged.
                    while len(current) > 1 and current[-1] == "":
                        current.pop()
                    rows.append(current)
                elif t.type == "inline" and current is not None:
                    current.append(t.content.strip())
            return rows, body_lines[tok.map[0]], "markdown"
        if tok.type == "html_block" and "<table" in tok.content.lower():
            soup = BeautifulSoup(tok.content, "html.parser")
            rows = [
                [cell.get_text().strip() for cell in tr.find_all(["th", "td"])]
                for tr in soup.find_all("tr")
            ]
            return rows, None, "html"
        if tok.type == "paragraph_open" and tok.map:
            # A name with "|" gives the header more cells than the delimiter
            # row, and GFM then refuses the table: split its lines ourselves.
            lines = body_lines[tok.map[0] : tok.map[1]]
            if len(lines) >= 3 and all(line.lstrip().startswith("|") for line in lines):
                rows = [_split_row(line) for i, line in enumerate(lines) if i != 1]
                return rows, lines[0], "markdown"
    return [], None, None


def _links(tokens: list[Token]) -> dict[str, str]:
    """Link text -> href for the W&B links of the body."""
    out: dict[str, str] = {}
    for tok in tokens:
        if tok.type != "inline" or not any(t in tok.content for t in _LINK_TEXTS):
            continue
        for inline in _MD_INLINE.parseInline(tok.content):
            href = None
            text: list[str] = []
            for child in inline.children or ():
                if child.type == "link_open":
                    href, text = str(child.attrs.get("href", "")), []
                elif child.type == "link_close" and href is not None:
                    out.setdefault("".join(text).strip(), href)
                    href = None
                elif href is not None and child.type == "text":
                    text.append(child.content)
    return out


def parse_card(data: bytes) -> ParsedCard:
    """Read one card's bytes into a :class:`ParsedCard`; never raises on bad input.

    A card over the parse budget (:mod:`generator.budget`: bytes, lines,
    HTML nesting) is not parsed: it gets only the problem saying so.
    """
    if (over := budget.over_size_budget(data)) is not None:
        return ParsedCard(problems=(over,))
    if not data.strip():
        return ParsedCard(problems=("README is empty",))
    text, problems = decode(data)
    if (over := budget.over_html_budget(text)) is not None:
        return ParsedCard(problems=(*problems, over))
    front, body, _, fm_problems = split_front_matter(text)
    problems += fm_problems
    unfilled = sorted(set(_UNFILLED.findall(text)))
    if unfilled:
        problems.append(f"unfilled template placeholders: {', '.join(unfilled)}")
    template, score = detect_template(text)
    era: Era = TEMPLATE_ERA[template] if template and score >= MIN_TEMPLATE_SCORE else "unknown"
    if era == "unknown":
        problems.append(f"matches no known card template (best {template} at {score:.0%})")
        template = None

    tokens = _MD.parse(body)
    body_lines = body.split("\n")
    header = parse_header(_header_html(tokens))
    if not header["avatars"] and header["name"] is None:
        problems.append("no header with avatar and name")

    section = _section(tokens, "Training data")
    rows, header_line, _ = _table_rows(section, body_lines)
    table_header: tuple[str, ...] = ()
    header_raw = None
    values: dict[str, tuple[str, ...]] = {}
    if not rows:
        problems.append("no data table")
    else:
        first, *rest = rows
        if not first or first[0].lower() != "data":
            problems.append(f"data table header starts with {first[0] if first else ''!r}, expected 'Data'")
        table_header = tuple(first[1:])
        if header_line is not None:
            m = re.match(r"^\s*\|\s*Data\s*\|\s?(.*?)\s?\|\s*$", header_line)
            header_raw = m.group(1) if m else None
        for row in rest:
            if not row:
                continue
            key = ROW_LABELS.get(re.sub(r"\s+", " ", row[0]).strip().lower())
            if key is None:
                if set(row[0]) - set("-: "):
                    problems.append(f"unexpected data table row {row[0]!r}")
                continue
            if key in values:
                problems.append(f"data table row {row[0]!r} appears twice")
                continue
            values[key] = tuple(row[1:])
        missing = [label for label, key in ROW_LABELS.items() if key not in values]
        if missing:
            problems.append(f"data table lacks rows: {', '.join(missing)}")

    over = budget.MAX_INLINE_CHARS
    if long := [t for t in tokens if t.type == "inline" and len(t.content) > over and any(x in t.content for x in _LINK_TEXTS)]:
        problems.append(f"a paragraph with the W&B links is {len(long[0].content):,} characters, over the {over:,}-character budget; its links are not read")
        tokens = [t for t in tokens if not any(t is x for x in long)]
    links = _links(tokens)
    preprocess = links.get("Explore the data")
    if preprocess is not None:
        preprocess = preprocess.removesuffix("/artifacts")
    return ParsedCard(
        template=template,
        era=era,
        front_matter=front,
        header_name=header["name"],
        header_handle=header["handle"],
        badge=header["badge"],
        avatars=header["avatars"],
        table_header=table_header,
        table_header_raw=header_raw,
        rows=values,
        wandb_preprocess=preprocess,
        wandb_train=links.get("W&B training run"),
        problems=tuple(problems),
        text=text,
    )
