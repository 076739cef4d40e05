"""The author's models, page by page, and whether the listing is complete.

``HfApi.list_models`` follows ``Link: <...>; rel="next"`` for as long as the
Hub sends one and stops, without a word, on the first page that lacks it: a
listing cut short looks exactly like a short listing, and a cursor that never
advances never ends. Deleting a card on the word of such a listing loses it,
so this module pages through the listing itself (with the client's session,
headers and :class:`~huggingface_hub.hf_api.ModelInfo`) and says why a
listing is *not* known to be complete:

- a page failed after its retries, or is not a JSON list;
- a page links back to a page already read (a cursor loop), or the listing
  ran past :data:`~generator.fetch.http.MAX_LISTING_PAGES` pages;
- the last page came without a ``Link`` although it was as full as the pages
  before it (the Hub cuts pages at a fixed size, so a full last page may have
  lost its link; :func:`generator.fetch.run.fetch` accepts it only when every
  model of the snapshot was listed);
- the run's deadline passed.

A listing that is not complete never removes a card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

from ..errors import FetchError
from .http import DeadlineReached, Deadlines, Policy, _with_retries
from .report import _reason


@dataclass
class Listing:
    """The raw listing entries, in order, and what is known about their completeness."""

    items: list[Any] = field(default_factory=list)
    pages: int = 0
    #: Why the listing is not known to be complete (None: pagination ended normally).
    incomplete: str | None = None
    #: The last page was full and had no ``Link``: complete only if nothing else says otherwise.
    unconfirmed: str | None = None
    #: The run's deadline passed while listing.
    deadline: bool = False


#: Digits an integer in a listing may have; a longer one stays a string (and its
#: model is refused) instead of costing quadratic time or failing the whole page.
MAX_INT_DIGITS = 30


def _bounded_int(text: str) -> int | str:
    return int(text) if len(text) <= MAX_INT_DIGITS else text


def _page_key(url: str, params: list[tuple[str, str]] | None) -> str:
    """What identifies a page: its URL and query (the Hub's cursor is in the query)."""
    request = httpx2.Request("GET", url, params=params)
    return f"{request.url.host}{request.url.path}?{request.url.query.decode('ascii', 'replace')}"


def list_models(
    *,
    endpoint: str,
    author: str,
    expand: list[str],
    policy: Policy,
    deadlines: Deadlines,
    library: tuple[str, str],
    log: Callable[[str], None],
) -> Listing:
    """Page through ``GET /api/models?author=...&expand=...``.

    Raises only if the *first* page cannot be had (nothing was listed: the
    caller changes nothing); a later failure ends the listing as incomplete.
    """
    headers = build_hf_headers(library_name=library[0], library_version=library[1])
    url: str = f"{endpoint}/api/models"
    params: list[tuple[str, str]] | None = [("author", author), *(("expand", e) for e in expand)]
    listing = Listing()
    seen: set[str] = set()
    page_size = 0  # the largest page seen before the last one

    def get_page(_attempt: int) -> tuple[list[Any], str | None]:
        response = get_session().get(url, params=params, headers=headers, follow_redirects=True)
        hf_raise_for_status(response)
        try:
            page = response.json(parse_int=_bounded_int)
        except ValueError as exc:  # a page cut short with a matching Content-Length
            raise FetchError(f"listing page {listing.pages + 1} is not valid JSON ({exc})") from exc
        if not isinstance(page, list):
            raise FetchError(f"listing page {listing.pages + 1} is a JSON {type(page).__name__}, not a list")
        return page, response.links.get("next", {}).get("url")

    while True:
        key = _page_key(url, params)
        if key in seen:
            listing.incomplete = f"page {listing.pages} links back to a page already read (a cursor that does not advance)"
            break
        if listing.pages >= policy.max_listing_pages:
            listing.incomplete = f"more than {policy.max_listing_pages:,} pages (the limit); the rest was not read"
            break
        seen.add(key)
        try:
            page, next_url = _with_retries(get_page, policy=policy, deadlines=deadlines, what=f"listing page {listing.pages + 1}")
        except DeadlineReached:
            listing.incomplete = f"the run's deadline passed while reading page {listing.pages + 1}"
            listing.deadline = True
            if not listing.pages:
                raise
            break
        except Exception as exc:
            if not listing.pages:
                raise
            listing.incomplete = f"page {listing.pages + 1} failed ({_reason(exc)})"
            break
        listing.pages += 1
        listing.items += page
        if next_url is None:
            if page_size and len(page) >= page_size:
                listing.unconfirmed = (
                    f"page {listing.pages} ended the listing without a Link to the next page,"
                    f" although it is as full as the pages before it ({len(page)} models)"
                )
            break
        if urlsplit(next_url).hostname != urlsplit(endpoint).hostname:
            listing.incomplete = f"page {listing.pages} links to another host ({urlsplit(next_url).hostname!r}); not followed"
            break
        page_size = max(page_size, len(page))
        url, params = next_url, None  # the link carries the query
        if listing.pages % 10 == 0:
            log(f"fetch: listed {len(listing.items):,} models ({listing.pages} pages)")
    return listing
