"""The one gate every value from a card or a ``meta.json`` passes through on its way into a record.

Cards are typed by hand and ``meta.json`` comes from a web API: either can
hold a count of 20 digits, a 5,000-digit integer, a lone surrogate, a
megabyte-long "display name" or a date in the year 9999. Each such value
would break something far downstream (a histogram of 10^16 bins, an
``OverflowError`` in a chart, a ``UnicodeEncodeError`` writing a page, "snapshot
of 9999-12-31"). So every value is checked here, once, against a named bound;
a value out of bounds is left out (``None``, as if the card did not say it)
and becomes a problem on its bot, and the rest of the card is still used.

>>> check = Checker()
>>> check.count("3,226", what="tweets kept of user 1"), check.count("99999999999999999999", what="retweets of user 1")
(3226, None)
>>> check.problems
['retweets of user 1 is 99999999999999999999, over the bound of 10,000,000']
>>> check.date("not a date", what="meta.json lastModified"), check.date("2021-03-25T08:49:11.000Z", what="x")
(None, '2021-03-25T08:49:11.000Z')
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .models import HubMeta

#: Largest count of tweets a card may state for one account. Twitter's API gave
#: at most 3,200 recent tweets per account; 10^7 leaves room for any reading.
MAX_COUNT = 10**7
#: Largest Hub downloads or likes figure (the most downloaded models have ~10^9).
MAX_HUB_COUNT = 10**12
#: Longest table cell still read as a number (digits and separators).
MAX_NUMBER_CHARS = 32
#: Longest display name (Twitter allows 50 characters; mojibake can triple them).
MAX_NAME_CHARS = 200
#: Longest widget prompt (the cards' own is "My dream is").
MAX_PROMPT_CHARS = 500
#: Longest URL (avatar, thumbnail, W&B run).
MAX_URL_CHARS = 2_048
#: Longest short text from meta.json (sha, pipeline tag, library name, one tag).
MAX_META_TEXT_CHARS = 200
#: Most tags kept from meta.json (real models have about 10).
MAX_TAGS = 100
#: Dates outside [MIN_DATE, MAX_DATE) are not believed (the Hub began in 2016,
#: huggingtweets in 2020; nothing real is dated after 2100).
MIN_DATE = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_DATE = datetime(2100, 1, 1, tzinfo=timezone.utc)
#: Most problems listed for one bot; the rest are summarised in one line.
MAX_PROBLEMS = 20
#: Longest problem sentence (a problem quoting a huge value is cut).
MAX_PROBLEM_CHARS = 300
#: Longest integer literal read from meta.json; longer ones are left out.
MAX_JSON_INT_DIGITS = 20
#: Longest quoted value inside a problem sentence.
QUOTE_CHARS = 60


def quote(value: object) -> str:
    """``repr(value)``, cut to :data:`QUOTE_CHARS` with its length said when longer.

    ``repr`` escapes controls and lone surrogates, so the quote is always one
    printable line.

    >>> quote("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (100 characters)"
    """
    if isinstance(value, str) and len(value) > QUOTE_CHARS - 4:
        return f"{value[: QUOTE_CHARS - 4]!r}… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def encodable(value: str) -> bool:
    """False for text holding a lone surrogate (it cannot be written as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Unreadable:
    """A JSON literal too large to read (e.g. a 5,000-digit integer), kept only to be reported."""

    what: str

    def __repr__(self) -> str:
        return self.what


def _json_int(text: str) -> int | Unreadable:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= MAX_JSON_INT_DIGITS else Unreadable(f"a {digits:,}-digit number")


def _json_float(text: str) -> float | Unreadable:
    value = float(text)
    return value if abs(value) != float("inf") else Unreadable(f"the number {text[:20]}")


def load_json(text: str) -> Any:
    """``json.loads`` where an integer too long to convert (or a float that overflows)
    becomes an :class:`Unreadable` value instead of failing the whole file.

    >>> load_json('{"downloads": ' + "9" * 5000 + ', "likes": 3}')
    {'downloads': a 5,000-digit number, 'likes': 3}
    """
    return json.loads(
        text, parse_int=_json_int, parse_float=_json_float, parse_constant=lambda c: Unreadable(f"the constant {c}")
    )


class Checker:
    """Checks the values of one bot against the bounds, collecting a problem per value refused."""

    def __init__(self, problems: list[str] | None = None) -> None:
        #: Where refusals go (a caller's own list keeps its problems in order).
        self.problems: list[str] = [] if problems is None else problems

    def _refuse(self, problem: str) -> None:
        self.problems.append(problem)
        return None

    def count(self, cell: str, *, what: str) -> int | None:
        """A table cell as a count in ``0..MAX_COUNT``, else ``None`` (with a problem)."""
        if len(cell) > MAX_NUMBER_CHARS:
            return self._refuse(f"{what} is not a number: {quote(cell)}")
        s = cell.replace(",", "").replace("\u202f", "").replace(" ", "")
        if not (s.isascii() and s.isdigit()):
            return self._refuse(f"{what} is not a number: {quote(cell)}")
        value = int(s)
        if value > MAX_COUNT:
            return self._refuse(f"{what} is {value}, over the bound of {MAX_COUNT:,}")
        return value

    def hub_count(self, value: Any, *, what: str) -> int | None:
        """A Hub figure (downloads, likes) as an int in ``0..MAX_HUB_COUNT``; absent stays ``None`` silently."""
        if value is None:
            return None
        if isinstance(value, Unreadable):
            return self._refuse(f"{what} is {value.what}, not read")
        if isinstance(value, bool) or not isinstance(value, int):
            return self._refuse(f"{what} is not a whole number: {quote(value)}")
        if not 0 <= value <= MAX_HUB_COUNT:
            shown = value if abs(value) < 10**30 else f"a {len(str(abs(value)).lstrip('-')):,}-digit number"
            return self._refuse(f"{what} is {shown}, outside 0..{MAX_HUB_COUNT:,}")
        return value

    def text(self, value: Any, *, what: str, limit: int) -> str | None:
        """A string of at most ``limit`` characters that can be written as UTF-8, else ``None``."""
        if value is None:
            return None
        if not isinstance(value, str):
            return self._refuse(f"{what} is not text: {quote(value)}")
        if len(value) > limit:
            return self._refuse(f"{what} is {len(value):,} characters, over the bound of {limit:,}")
        if not encodable(value):
            return self._refuse(f"{what} holds a lone surrogate (not Unicode text): {quote(value)}")
        return value

    def name(self, value: str | None, *, what: str) -> str | None:
        return self.text(value, what=what, limit=MAX_NAME_CHARS)

    def url(self, value: str | None, *, what: str) -> str | None:
        return self.text(value, what=what, limit=MAX_URL_CHARS)

    def date(self, value: Any, *, what: str) -> str | None:
        """An ISO date-time (the Hub's ``...Z`` form too) in ``[MIN_DATE, MAX_DATE)``, kept as written."""
        text = self.text(value, what=what, limit=64)
        if text is None:
            return None
        when = parse_date(text)
        if when is None:
            return self._refuse(f"{what} is not a date: {quote(text)}")
        if not MIN_DATE <= when < MAX_DATE:
            return self._refuse(f"{what} {quote(text)} is outside {MIN_DATE:%Y}-{MAX_DATE:%Y}")
        return text

    def epoch_ms(self, ms: int | None, *, what: str) -> str | None:
        """A Unix time in milliseconds as an ISO date-time (UTC), if within the date bounds."""
        if ms is None:
            return None
        lo, hi = MIN_DATE.timestamp() * 1000, MAX_DATE.timestamp() * 1000
        if not lo <= ms < hi:
            return self._refuse(f"{what} {ms} (ms since 1970) is outside {MIN_DATE:%Y}-{MAX_DATE:%Y}")
        return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat()


def parse_date(text: str) -> datetime | None:
    """An ISO 8601 date-time (``Z`` allowed; naive means UTC), or ``None``."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def hub_meta(data: dict[str, Any]) -> tuple[HubMeta, list[str]]:
    """A snapshot ``meta.json`` (Hub API field names) -> :class:`HubMeta` and the problems of its values.

    >>> meta, problems = hub_meta({"downloads": 10**400, "lastModified": "9999-12-31T00:00:00Z", "likes": 2})
    >>> meta.downloads, meta.last_modified, meta.likes
    (None, None, 2)
    >>> problems
    ["meta.json lastModified '9999-12-31T00:00:00Z' is outside 2000-2100", 'meta.json downloads is a 401-digit number, outside 0..1,000,000,000,000']
    """
    check = Checker()

    def short(key: str) -> str | None:
        return check.text(data.get(key), what=f"meta.json {key}", limit=MAX_META_TEXT_CHARS)

    tags: list[str] = []
    raw_tags = data.get("tags")
    if isinstance(raw_tags, list):
        bad = 0
        for tag in raw_tags[:MAX_TAGS]:
            if isinstance(tag, str) and len(tag) <= MAX_META_TEXT_CHARS and encodable(tag):
                tags.append(tag)
            else:
                bad += 1
        if bad:
            check.problems.append(f"meta.json tags: {bad} not readable as short text, left out")
        if len(raw_tags) > MAX_TAGS:
            check.problems.append(f"meta.json has {len(raw_tags):,} tags; the first {MAX_TAGS} are kept")
    elif raw_tags is not None:
        check.problems.append(f"meta.json tags is not a list: {quote(raw_tags)}")
    has_readme = data.get("has_readme", True)
    meta = HubMeta(
        sha=short("sha"),
        created_at=check.date(data.get("createdAt"), what="meta.json createdAt"),
        last_modified=check.date(data.get("lastModified"), what="meta.json lastModified"),
        downloads=check.hub_count(data.get("downloads"), what="meta.json downloads"),
        likes=check.hub_count(data.get("likes"), what="meta.json likes"),
        tags=tuple(tags),
        pipeline_tag=short("pipeline_tag"),
        library_name=short("library_name"),
        has_readme=has_readme is not False,
    )
    return meta, check.problems


def cap_problems(problems: Iterable[str]) -> tuple[str, ...]:
    """Distinct problems, each cut to :data:`MAX_PROBLEM_CHARS`, at most :data:`MAX_PROBLEMS` of them.

    A card with 100,000 stray table rows gets 19 problems and one line
    saying how many more there were, not a 5 MB page.

    >>> cap_problems(f"row {i}" for i in range(1000))[-1]
    '981 more problems not listed'
    """
    out: dict[str, None] = {}
    for p in problems:
        if len(p) > MAX_PROBLEM_CHARS:
            p = p[: MAX_PROBLEM_CHARS - 1] + "…"
        if not encodable(p):
            p = p.encode("utf-8", "backslashreplace").decode("utf-8")
        out.setdefault(p)
    items = list(out)
    if len(items) > MAX_PROBLEMS:
        rest = len(items) - (MAX_PROBLEMS - 1)
        items = items[: MAX_PROBLEMS - 1] + [f"{rest:,} more problems not listed"]
    return tuple(items)
