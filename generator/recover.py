"""What a card states, read from every place it states it, even when its markup is damaged.

:mod:`generator.parse` reads a card by its structure (front matter, header
HTML, a Markdown or HTML table). Cards seen through stored views, or edited by
hand, lose that structure: the header HTML is stripped to plain lines, line
breaks collapse, the table is rendered to text, the front matter loses its
fences. Each of these still states every value plainly in its text, so this
module reads the text again where the structure gave nothing:

- the header as plain lines (``🤖 AI BOT 🤖`` / ``BToh`` / ``@btohtoh``, or the old
  ``NAME 🤖 AI Bot`` / ``@handle bot``), also run together on one line;
- the data table in any of its damaged forms: collapsed into one line, without
  leading pipes, or rendered to space-separated text;
- the front matter without fences or flattened onto one line;
- the W&B links.

Display names are stated in up to three places (the header, the "trained on
tweets from" sentence and the table's column header) and :func:`resolve_names`
takes only a split that every source agrees with; where the sources disagree
it keeps the most reliable and says so. A value is never guessed: what cannot
be read unambiguously stays ``None`` with a problem naming it. Every value
recovered from the text rather than the structure is reported as a problem
saying where it came from (e.g. "counts recovered from a collapsed table").

Mojibake that ftfy cannot repair (the crawler's Windows-874 and ISO-8859-7
decodings, or a short run ftfy's heuristics leave alone) is checked value by
value in :func:`repair_mojibake`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

import yaml
from bs4 import BeautifulSoup

from . import budget
from .parse import ROW_LABELS, ParsedCard, parse_header

#: Twitter's limit on a display name, in characters: a longer "name" read from
#: run-together text has picked up its neighbours.
MAX_DISPLAY_NAME = 50
#: The most "Data" cells tried as the start of a collapsed table.
MAX_TABLE_STARTS = 20
#: The most characters of a card the text readers look at (cards are ~4 KB).
MAX_TEXT = 256 * 1024

#: The template's fixed W&B run ids stand-in: a reconstructed card writes an
#: unknown run id as eight X (the length of a real one).
UNKNOWN_RUN = re.compile(r"/runs/X{8}(?:/|$)")

Sep = Literal[" & ", " | ", " "]


@dataclass(frozen=True)
class NameSource:
    """One place a card states its joined display names."""

    where: str  # "header", "sentence", "table"
    text: str
    sep: Sep


# --- names ---------------------------------------------------------------------


def _splits(text: str, sep: str, n: int) -> Iterator[list[str]] | None:
    """Every way to cut ``text`` at ``sep`` into ``n`` names (lazily), or None if
    there are more than :data:`~generator.budget.MAX_SPLIT_CANDIDATES` (the one
    bound of the name-split search)."""
    if n == 1:
        return iter([[text]])
    parts = text.split(sep)
    if budget.split_candidates(len(parts), n) > budget.MAX_SPLIT_CANDIDATES:
        return None
    return (
        [sep.join(parts[a:b]) for a, b in itertools.pairwise((0, *cuts, len(parts)))]
        for cuts in itertools.combinations(range(1, len(parts)), n - 1)
    )


def _searched(sources: list[NameSource]) -> NameSource:
    """The source whose splits are tried: the first joined with `` & `` or `` | `` (a rendered
    table's spaces also split names of several words), else the first."""
    return next((s for s in sources if s.sep != " "), sources[0])


def _agreeing(sources: list[NameSource], n: int) -> list[list[str]] | None:
    """Up to two name lists every source reproduces (two means ambiguous; None: too many to search)."""
    first = _searched(sources)
    found = _splits(first.text, first.sep, n)
    if found is None:
        return None
    agreeing = (names for names in found if all(s.text == s.sep.join(names) for s in sources))
    return list(itertools.islice(agreeing, 2))


def resolve_names(sources: list[NameSource], n: int) -> tuple[list[str] | None, list[str]]:
    """The ``n`` display names every source agrees with, and problems.

    Sources are given most reliable first. When all agree on exactly one split,
    that is the answer. When they disagree, the largest group of sources that
    agrees (ties: the more reliable) is kept and the disagreement reported;
    when even that allows several splits, the names are unknown. A name may
    itself hold a source's separator: the header joins names with `` & `` and
    the table with `` | ``, and only a split that reproduces both is taken.

    >>> resolve_names([NameSource("header", "Tom & Jerry & ye", " & "), NameSource("table", "Tom & Jerry | ye", " | ")], 2)
    (['Tom & Jerry', 'ye'], [])
    """
    problems: list[str] = []
    if not sources or n < 1:
        return None, problems
    for size in range(len(sources), 0, -1):
        for group in itertools.combinations(sources, size):
            group_list = list(group)
            found = _agreeing(group_list, n)
            if found is None:
                first = _searched(group_list)
                problems.append(
                    f"cannot split the display names: {first.text.count(first.sep) + 1:,} {first.sep.strip() or first.sep!r}"
                    f"-separated parts for {n} handles is more than {budget.MAX_SPLIT_CANDIDATES:,} ways to try"
                )
                return None, problems
            if not found:
                continue
            if size < len(sources):
                left_out = [s for s in sources if s not in group_list]
                said = "; ".join(f"the {s.where} says {s.text!r}" for s in left_out)
                kept = " and ".join(s.where for s in group_list)
                problems.append(f"display names disagree: {said}; kept the {kept}'s")
            if len(found) > 1:
                problems.append(f"cannot split the display names {group_list[0].text!r} into {n}")
                return None, problems
            return found[0], problems
    problems.append(f"cannot split the display names {sources[0].text!r} into {n}")
    return None, problems


# --- mojibake ------------------------------------------------------------------


def _mixed_codec(primary: str) -> tuple[dict[int, str], dict[str, int]]:
    """A crawler's byte->char table: ``primary`` where it defines a byte, else Windows-1252."""
    decode: dict[int, str] = {}
    for b in range(256):
        raw = bytes([b])
        for codec in (primary, "cp1252", "latin-1"):
            try:
                char = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if codec != "latin-1" and 0x80 <= ord(char) <= 0x9F:
                continue  # a C1 control: the crawler showed the Windows-1252 character
            decode[b] = char
            break
    encode = {c: b for b, c in sorted(decode.items(), reverse=True)}
    return decode, encode


#: The codecs crawlers decoded UTF-8 cards with, by the mojibake of the robot
#: emoji (F0 9F A4 96) each leaves in a card.
_CODECS: dict[str, tuple[str, dict[str, int]]] = {}
for _label, _primary in (("Windows-1252", "cp1252"), ("Windows-874", "cp874"), ("ISO-8859-7", "iso-8859-7")):
    _dec, _enc = _mixed_codec(_primary)
    _CODECS[_label] = ("".join(_dec[b] for b in b"\xf0\x9f\xa4\x96"), _enc)


def _undo(text: str, encode: dict[str, int]) -> str | None:
    """``text`` re-encoded with a crawler codec and read as UTF-8, or None if that fails."""
    try:
        raw = bytes(encode[c] for c in text)
        return raw.decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None


#: The robot emoji as crawlers left it with its undecodable bytes dropped.
_LOSSY_ROBOTS = {"Windows-874": "\u0e50\u0e04", "ISO-8859-7": "\u03c0\u20ac"}


def damage_codecs(card_text: str, raw_text: str | None) -> list[str]:
    """The crawler codecs a card shows evidence of (its robot emoji in their mojibake).

    ``raw_text`` is the card decoded without repair: if ftfy changed it, the
    card was Windows-1252 mojibake (the seeds are).
    """
    found = [label for label, (robot, _) in _CODECS.items() if robot in card_text]
    for label, lossy in _LOSSY_ROBOTS.items():
        if label not in found and re.search(rf"{lossy}\s*AI (?:BOT|CYBORG|Bot)|AI (?:BOT|CYBORG) {lossy}", card_text):
            found.append(label)
    if raw_text is not None and raw_text.replace("\r\n", "\n").replace("\r", "\n") != card_text:
        if "Windows-1252" not in found:
            found.append("Windows-1252")
    return found


def repair_mojibake(value: str, evidence: list[str], what: str) -> tuple[str | None, list[str]]:
    """A value with the mojibake ftfy left in it undone, or None; and problems.

    A value that re-encodes with a crawler codec into valid UTF-8 still looks
    like mojibake. If the card shows that codec's damage elsewhere, the value is
    repaired and the repair reported; otherwise it is kept as written and
    reported as doubtful. A value with characters of a codec the card shows
    damage of, that no longer decodes (bytes were lost), is unknown.
    """
    if value.isascii():
        return value, []
    for label in evidence:
        fixed = _undo(value, _CODECS[label][1])
        if fixed is not None and fixed != value:
            return fixed, [f"{what} repaired from {label} mojibake ftfy left: {value!r} -> {fixed!r}"]
    for label, (_, encode) in _CODECS.items():
        fixed = _undo(value, encode)
        if fixed is not None and fixed != value and not fixed.isascii():
            return value, [f"{what} still looks like {label} mojibake after repair: {value!r} (may be {fixed!r})"]
    for label in evidence:
        if label == "Windows-1252":
            continue  # a legitimate "é" is Windows-1252 too: no evidence of loss
        encode = _CODECS[label][1]
        if any(encode.get(c, 0) >= 0x80 for c in value):
            # The card is this codec's mojibake and the value holds its
            # characters, yet does not decode: bytes were dropped.
            return None, [f"{what} lost to {label} mojibake (bytes dropped): {value!r}"]
    if "\ufffd" in value:
        return None, [f"{what} has characters lost to mojibake: {value!r}"]
    return value, []


# --- the data table from text ---------------------------------------------------

_LABELS = ("Tweets downloaded", "Retweets", "Short tweets", "Tweets kept")
_LABEL_RE = re.compile(r"(?<![\w])(" + "|".join(_LABELS) + r")(?![\w])")
# Cells follow their label on its line; an HTML table stripped of its tags puts
# a lone cell on the next line.
_CELLS = re.compile(r"[ \t|]*\n?[ \t|]*((?:\d+[ \t]*\|?[ \t]*)+)")
_SEPARATOR = re.compile(r"\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?[ \t]*)?")


@dataclass(frozen=True)
class TextTable:
    """A data table read from text: the header after "Data" and the four count rows."""

    header: str | None  # column header text, outer pipes and spaces stripped
    sep: Sep  # how the header joins its cells: " | " (pipes) or " " (rendered)
    rows: dict[str, tuple[str, ...]]
    form: str  # how the table was damaged, for the problem line
    truncated: bool  # the text ends inside the last row: its last cell is dropped


def _read_rows(text: str, start: int) -> tuple[dict[str, tuple[str, ...]], bool, int]:
    """The count rows from the first label at ``start``, strictly in template order."""
    rows: dict[str, tuple[str, ...]] = {}
    pos = start
    truncated = False
    for label in _LABELS:
        m = re.compile(re.escape(label) + r"(?![\w])").match(text, pos)
        if m is None:
            break
        cells = _CELLS.match(text, m.end())
        if cells is None:
            break
        values = re.findall(r"\d+", cells.group(1))
        end = cells.end()
        if text[end:].strip() == "" and not cells.group(1).rstrip(" \t").endswith("|"):
            # The text ends inside this row: its last number may be cut short.
            values = values[:-1]
            truncated = True
        rows[ROW_LABELS[label.lower()]] = tuple(values)
        pos = end
        rest = text[pos:]
        pos += len(rest) - len(rest.lstrip(" \t\n|"))
        if truncated:
            break
    return rows, truncated, pos


def _data_starts(text: str, before: int) -> list[int]:
    """Positions just after each "Data" cell that could start the table header."""
    out = [m.end() for m in re.finditer(r"(?:^|(?<=[\s|]))Data(?=[ \t]*[|\n]|[ \t]+\S)", text[:before], re.M)]
    return out[-MAX_TABLE_STARTS:]


def read_table_text(text: str) -> list[TextTable]:
    """Every reading of the data table the text allows (one per possible "Data" start).

    Readings differ only in their header; :func:`recover` keeps the one the
    card's other name sources agree with.
    """
    text = text[:MAX_TEXT]
    first = _LABEL_RE.search(text)
    while first is not None and first.group(1) != "Tweets downloaded":
        first = _LABEL_RE.search(text, first.end())
    if first is None:
        return []
    rows, truncated, _ = _read_rows(text, first.start())
    if not rows:
        return []
    readings = []
    for start in reversed(_data_starts(text, first.start())):
        between = text[start : first.start()]
        sep_m = _SEPARATOR.search(between)
        header_part = between[: sep_m.start()] if sep_m else between
        if "\n" in header_part.strip():
            continue  # a header is one line (or one run of a collapsed line)
        piped = "|" in between
        header = header_part.strip()
        if piped:
            header = header.strip("|").strip()
            sep: Sep = " | "
        else:
            sep = " "
        line_start = text.rfind("\n", 0, start) + 1
        if "\n" not in between:
            form = "a table collapsed into one line"
        elif piped and not text[line_start:start].lstrip().startswith("|"):
            form = "a table without leading pipes"
        elif piped:
            form = "a Markdown table the Markdown reader did not take"
        else:
            form = "a table rendered to text"
        readings.append(TextTable(header=header or None, sep=sep, rows=rows, form=form, truncated=truncated))
    if not readings:
        readings.append(TextTable(header=None, sep=" ", rows=rows, form="a table without its header", truncated=truncated))
    return readings


# --- the header, the sentence, the front matter and links ------------------------

_STRIPPED = "header recovered from {} (its HTML was stripped)"
# The robot around the badge may be mojibake of any codec (letters of its own).
_BADGE_LINE = re.compile(r"^[ \t]*(?:\S{1,8}[ \t]+)?AI (BOT|CYBORG)(?:[ \t]+\S{1,8})?[ \t]*$", re.M)
_ROBOT_FORMS = (*(robot for robot, _ in _CODECS.values()), *_LOSSY_ROBOTS.values(), "🤖")


def read_header_text(text: str, name: str) -> dict[str, Any] | None:
    """The header as plain lines (its HTML stripped), on separate lines or run together."""
    text = text[:MAX_TEXT]
    handle = re.escape(name)
    # 2021+ template: badge line, names line, "@handle" line.
    for m in _BADGE_LINE.finditer(text):
        rest = text[m.end() :].lstrip("\n").split("\n")
        if len(rest) >= 2 and re.fullmatch(rf"\s*@{handle}\s*", rest[1], re.I) and rest[0].strip():
            return {"name": rest[0].strip(), "handle": rest[1].strip()[1:], "badge": m.group(1), "note": _STRIPPED.format("plain lines")}
    robots = "|".join(re.escape(r) for r in _ROBOT_FORMS)
    m = re.search(rf"(?:{robots})[ \t]+AI (BOT|CYBORG)[ \t]+(?:{robots})[ \t]+(.+?)[ \t]+@({handle})(?=\s|$)", text, re.I)
    if m:
        return {"name": m.group(2).strip(), "handle": m.group(3), "badge": m.group(1), "note": _STRIPPED.format("one line of text")}
    # Feb 2021 and earlier: "NAME 🤖 AI Bot" then "@handle bot".
    m = re.search(rf"^(.+?)[ \t]+\S+[ \t]+AI Bot[ \t]*\n[ \t]*@({handle}) bot[ \t]*$", text, re.M | re.I)
    if m:
        return {"name": m.group(1).strip(), "handle": m.group(2), "badge": None, "note": _STRIPPED.format("plain lines")}
    # Run together, only the front matter's closing fence bounds the name on
    # the left: anything between them (a <style> block) makes it unknown.
    m = re.search(rf"(?:^|\s)---[ \t]+((?:(?!---).)+?)[ \t]+\S+[ \t]+AI Bot[ \t]+@({handle}) bot(?=\s|$)", text, re.I)
    if m and len(m.group(1)) <= MAX_DISPLAY_NAME:
        return {"name": m.group(1).strip(), "handle": m.group(2), "badge": None, "note": _STRIPPED.format("one line of text")}
    return None


def read_header_html(text: str) -> dict[str, Any] | None:
    """The header HTML where Markdown did not see it as a block (its lines run together)."""
    start = text.find("<div")
    end = min((i for i in (text.find("I was made", start), text.find("I was created", start)) if i > start), default=-1)
    if start < 0 or end < 0 or end - start > 8192:
        return None
    # One element a line, as the template writes them: the header reader takes
    # an element's text up to the last </div> of its line.
    lines = re.sub(r"</div>\s*", "</div>\n", re.sub(r"\s*(?=<div)", "\n", text[start:end]))
    header = parse_header(lines)
    if header["name"] is None or "<div" in header["name"] or "</div>" in header["name"]:
        return None
    return {**header, "note": "header recovered from its HTML run into the text"}


def read_html_table(text: str) -> dict[str, tuple[str, ...]]:
    """The rows of an HTML data table (Aug 2020 - Feb 2021) that Markdown did not take as a block."""
    start = text.find("<table")
    end = text.find("</table>", start)
    if start < 0 or end < 0 or end - start > 16384:
        return {}
    soup = BeautifulSoup(text[start : end + len("</table>")], "html.parser")
    rows: dict[str, tuple[str, ...]] = {}
    for tr in soup.find_all("tr"):
        cells = [c.get_text().strip() for c in tr.find_all(["th", "td"])]
        key = ROW_LABELS.get(re.sub(r"\s+", " ", cells[0]).lower()) if cells else None
        if key and key not in rows:
            rows[key] = tuple(cells[1:])
    return rows


# On its own line (Markdown, or rendered text), or run together with the table
# that follows it; never more names than six of Twitter's longest.
_SENTENCE_LINE = re.compile(r"^[ \t]*The model was trained on tweets from (.{1,330})\.[ \t]*$", re.M)
_SENTENCE_RUN = re.compile(r"The model was trained on tweets from (.{1,330}?)\.\s+(?:\|\s*)?Data(?=[\s|])", re.S)
_HANDLE_MENTIONS = (
    re.compile(r"trained on \[@([A-Za-z0-9_]+)'s tweets\]\(https?://twitter\.com/([A-Za-z0-9_]+)\)"),
    re.compile(r"trained on @([A-Za-z0-9_-]+)'s tweets"),
    re.compile(r"fine-tuned on @([A-Za-z0-9_-]+)'s tweets"),
)


def read_sentence(text: str) -> str | None:
    """The joined names of "The model was trained on tweets from NAMES." (2021+ template)."""
    text = text[:MAX_TEXT]
    m = _SENTENCE_LINE.search(text) or _SENTENCE_RUN.search(text)
    return m.group(1) if m else None


def handle_mentions(text: str) -> list[str]:
    """Every handle the card's prose names (sentence, Twitter link, training paragraph)."""
    out = []
    for pattern in _HANDLE_MENTIONS:
        for m in pattern.finditer(text[:MAX_TEXT]):
            out.extend(g for g in m.groups() if g)
    return out


_FM_KEY = re.compile(r"^\s*(?:-\s+)?[A-Za-z_]+:(?:\s|$)|^\s*-\s+\S")


def read_front_matter_text(text: str) -> tuple[dict[str, Any], str] | None:
    """Front matter that lost its fences or was flattened onto one line."""
    text = text[:MAX_TEXT]
    lines = text.split("\n")
    for i, line in enumerate(lines[:20]):
        if re.match(r"^\s*language:\s*\S", line) and not line.lstrip().startswith("---"):
            block = []
            for follow in lines[i:]:
                if not _FM_KEY.match(follow):
                    break
                block.append(follow)
            raw_block = "\n".join(block)
            if budget.over_yaml_budget(raw_block) is not None:
                return None
            try:
                data = yaml.safe_load(raw_block)
            except yaml.YAMLError:
                data = None
            if isinstance(data, dict) and len(block) > 1:
                return data, "lines without '---' fences"
    m = re.search(r"---[ \t]+language:[ \t]*(\S+)[ \t]+(.*?)[ \t]+---(?=\s|$)", text, re.S)
    if m and "\n" not in m.group(2):
        flat = m.group(2)
        data: dict[str, Any] = {"language": m.group(1)}
        thumb = re.search(r"(?:^|\s)thumbnail:[ \t]*(https?://\S+)", flat)
        if thumb:
            data["thumbnail"] = thumb.group(1)
        prompt = re.search(r"widget:[ \t]*-[ \t]*text:[ \t]*(\"(?:[^\"\\]|\\.)*\")", flat)
        if prompt:
            try:
                value = yaml.safe_load(prompt.group(1))
            except yaml.YAMLError:
                value = None
            if isinstance(value, str):
                data["widget"] = [{"text": value}]
        return data, "one line"
    return None


_LINK_PATTERNS = {
    "preprocess": re.compile(r"\[Explore the data\]\((https?://[^)\s]+)\)"),
    "train": re.compile(r"\[W&B training run\]\((https?://[^)\s]+)\)"),
}


def known_run(url: str | None) -> str | None:
    """A W&B run URL, or None when its run id is the ``XXXXXXXX`` stand-in for an unknown one."""
    if url is None or UNKNOWN_RUN.search(url):
        return None
    return url


# --- putting it together --------------------------------------------------------


def recover(card: ParsedCard, *, name: str, raw: bytes | None = None) -> tuple[ParsedCard, list[NameSource], list[str]]:
    """Fill in what the structure did not give from the card's text; cross-check names.

    Returns the card with recovered fields, the places its display names are
    stated (most reliable first), and the crawler codecs it shows damage of.
    Problems the structural reader raised for something recovered here are
    replaced by a line saying where it was recovered from.
    """
    text = card.text
    problems = list(card.problems)
    changes: dict[str, Any] = {}

    header_name, header_handle, badge = card.header_name, card.header_handle, card.badge
    if header_name is None and text:
        found = read_header_html(text) or read_header_text(text, name)
        if found is not None:
            header_name, header_handle = found["name"], found["handle"]
            badge = badge or found["badge"]
            changes.update(header_name=header_name, header_handle=header_handle, badge=badge)
            problems = [p for p in problems if p != "no header with avatar and name"]
            if found.get("avatars"):
                changes["avatars"] = found["avatars"]
            problems.append(found["note"])

    sentence = read_sentence(text) if text else None
    readings = read_table_text(text) if text else []

    rows = card.rows
    if not rows and text:
        html_rows = read_html_table(text)
        if html_rows:
            rows = html_rows
            changes.update(rows=rows, table_header=("Quantity",))
            problems = [p for p in problems if p != "no data table"]
            problems.append("counts recovered from an HTML table run into the text")
            readings = []
    table_sources: list[NameSource] = []
    if card.table_header_raw is not None:
        table_sources.append(NameSource("table", card.table_header_raw, " | "))
    elif card.table_header and card.rows:
        table_sources.append(NameSource("table", " | ".join(card.table_header), " | "))
    chosen: TextTable | None = None
    if readings:
        chosen = _choose_reading(readings, header_name, sentence, rows)
    if chosen is not None and (not rows or (chosen.truncated and _shorter(chosen.rows, rows))):
        rows = dict(chosen.rows)
        changes["rows"] = rows
        if chosen.header is not None:
            cells = tuple(c.strip() for c in chosen.header.split("|")) if chosen.sep == " | " else (chosen.header,)
            changes.update(table_header=cells, table_header_raw=chosen.header if chosen.sep == " | " else None)
        problems = [p for p in problems if p != "no data table" and not p.startswith("data table lacks rows")]
        missing = [label for label, key in ROW_LABELS.items() if key not in rows]
        if missing:
            problems.append(f"data table lacks rows: {', '.join(missing)}")
        problems.append(f"counts recovered from {chosen.form}")
        if chosen.truncated:
            problems.append("the card ends inside the data table: its last cell is cut and left out")
        if chosen.header is not None and chosen.header.strip() != "Quantity":
            table_sources = [NameSource("table", chosen.header, chosen.sep)]

    front = card.front_matter
    # Only a card with no fences at all: fenced front matter that failed (bad or
    # over-budget YAML) is not read again.
    if not front and text and "no front matter" in problems:
        found_fm = read_front_matter_text(text)
        if found_fm is not None:
            front, form = found_fm
            changes["front_matter"] = front
            problems = [p for p in problems if p != "no front matter"]
            problems.append(f"front matter recovered from {form}")

    # The parse budget refused a paragraph's links: they are not read here either.
    links_over_budget = any(p.startswith("a paragraph with the W&B links is") for p in problems)
    for field_name, key in (("wandb_preprocess", "preprocess"), ("wandb_train", "train")):
        value = getattr(card, field_name)
        if value is None and text and not links_over_budget:
            m = _LINK_PATTERNS[key].search(text[:MAX_TEXT])
            if m:
                value = m.group(1).removesuffix("/artifacts") if key == "preprocess" else m.group(1)
                changes[field_name] = value
        if value is not None and known_run(value) is None:
            changes[field_name] = None
            label = "data exploration" if key == "preprocess" else "training"
            problems.append(f"W&B {label} run id is unknown (XXXXXXXX in the card)")

    if text:
        problems = [_swallowed(p, text) for p in problems]
    mentioned = [h for h in handle_mentions(text) if h.lower() != name.lower()] if text else []
    if mentioned:
        problems.append(f"the card's text names @{mentioned[0]}, the repo is {name}")

    sources: list[NameSource] = []
    if header_name is not None:
        sources.append(NameSource("header", header_name, " & "))
    sources.extend(s for s in table_sources if s.text.strip() != "Quantity")
    if sentence is not None:
        sources.append(NameSource("sentence", sentence, " & "))

    raw_text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace") if raw is not None else None
    evidence = damage_codecs(text, raw_text) if text else []
    changes["problems"] = tuple(problems)
    return replace(card, **changes), sources, evidence


def _swallowed(problem: str, text: str) -> str:
    """A table "row" that is the next paragraph, run into the table by collapsed blank lines."""
    m = re.fullmatch(r"unexpected data table row '(.*)'", problem, re.S)
    if m and "|" not in m.group(1) and re.search(rf"^{re.escape(m.group(1))}\s*$", text, re.M):
        return "blank lines collapsed: the paragraph after the data table runs into it"
    return problem


def _shorter(a: dict[str, tuple[str, ...]], b: dict[str, tuple[str, ...]]) -> bool:
    return any(len(a.get(k, ())) < len(v) for k, v in b.items())


def _choose_reading(
    readings: list[TextTable], header: str | None, sentence: str | None, rows: dict[str, tuple[str, ...]]
) -> TextTable | None:
    """The table reading whose header agrees with the card's other name sources."""
    n = max((len(v) for v in readings[0].rows.values()), default=0)
    others = [NameSource("header", header, " & ")] if header is not None else []
    if sentence is not None:
        others.append(NameSource("sentence", sentence, " & "))
    if others and n:
        for reading in readings:
            if reading.header is None:
                continue
            if reading.header == "Quantity":
                return reading
            found = _agreeing([*others, NameSource("table", reading.header, reading.sep)], n)
            if found:
                return reading
    # No other source to check the header against: only an unambiguous start counts.
    if len(readings) == 1:
        return readings[0]
    headerless = readings[0]
    return TextTable(header=None, sep=headerless.sep, rows=headerless.rows, form=headerless.form, truncated=headerless.truncated)
