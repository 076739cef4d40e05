"""The gallery as a visitor uses it, in headless Chromium: ranking, typos, pasted
URLs, highlighting, "/", Back and Forward, option counts, the dense view,
layout shift and lazy images. Speed is measured by bench/bench_gallery.py,
not asserted here.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from generator.render.gallery import SERVED_CARDS
from tests.site_fixtures import RANKING_BOTS, RISING_BOT
from tests.test_browser import CYBORG, settled, visible_handles

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

SEARCH = ".ht-controls input[name=search]"


def ranked(page, text: str) -> list[str]:
    page.fill(SEARCH, text)
    return visible_handles(page)


def query(page) -> dict[str, list[str]]:
    """The page's URL query once the gallery has written it (``page.url`` lags behind replaceState)."""
    settled(page)
    return parse_qs(page.evaluate("location.search").lstrip("?"))


def test_ranking_exact_handle_then_cyborg_then_prefix_then_name_word_then_substring(visit):
    page, _ = visit("")
    found = ranked(page, "iz")
    assert found[:2] == ["iz", "iz-quux"], found[:5]
    positions = [found.index(name) for name, _ in reversed(RANKING_BOTS)]  # iz, izabella, stonefan, bizkit
    assert positions == sorted(positions), found
    # Upper case and "@" change nothing.
    assert ranked(page, "@IZ")[:2] == ["iz", "iz-quux"]


def _view(page) -> tuple[list[str], list[str], str]:
    """What the gallery shows: the cards' handles, every option's label (with its count), the count line."""
    settled(page)
    return (visible_handles(page), page.eval_on_selector_all("select option", "os => os.map(o => o.textContent + (o.disabled ? ' off' : ''))"),
            page.locator(".ht-count").inner_text())  # fmt: skip


def test_typing_on_finds_what_the_whole_query_finds_at_once(visit):
    """Typing on looks only at the bots the last query found (gallery.js `narrows`): the cards, their order and
    every option count must be the ones the same query gives at once, with typos found too, and after a
    letter is erased, a filter is set or a second word typed."""
    page, _ = visit("")
    page.focus(SEARCH)  # loads the typo tolerance
    page.wait_for_selector("#ht-gallery[data-fuzzy]", state="attached")
    page.select_option("select[name=sort]", "name")
    for typed, then in (("kenj", "kenji"), ("drli", "drli"), ("a", "al"), ("alex", "alex s")):
        page.fill(SEARCH, "")
        page.locator(SEARCH).press_sequentially(then, delay=20)
        if typed != then:
            for _ in range(len(then) - len(typed)):
                page.keyboard.press("Backspace")
        stepwise = _view(page)
        page.fill(SEARCH, "")
        settled(page)
        page.fill(SEARCH, typed)
        assert _view(page) == stepwise, typed
    page.select_option("select[name=kind]", "cyborg")
    page.locator(SEARCH).press_sequentially("x", delay=20)
    stepwise = _view(page)
    page.fill(SEARCH, "")
    settled(page)
    page.fill(SEARCH, "alexx")
    assert _view(page) == stepwise and stepwise[0]  # "alexx": one typo from "alex", a cyborg's member


#: Types ``q`` as one keystroke would and returns the cards' handles as that key's own task leaves them,
#: before anything the gallery does after the paint (gallery.js `firstMatches`, then the full pass).
_ONE_KEY = """q => { const input = document.querySelector('.ht-controls input[name=search]'); input.value = q;
  input.dispatchEvent(new Event('input', {bubbles: true}));
  return [[...document.querySelectorAll('.ht-card .ht-card__handle')].map(e => e.textContent.slice(1)),
          document.querySelector('.ht-count').textContent]; }"""


def test_a_short_words_first_cards_are_the_first_cards_of_the_full_ranking(visit):
    """A word of 1-3 letters shows the screen's first cards found the short way (exact handles looked
    up, then handles starting with it, in the sort's order); the full pass after the paint must leave
    them as they are and only add the rest, in every sort and with a filter."""
    page, _ = visit("", viewport={"width": 1366, "height": 600})  # a row or two: fewer than the handles starting with "a"
    for sort, kind in (("downloads", ""), ("name", ""), ("newest", "cyborg"), ("likes", "bot")):
        page.fill(SEARCH, "")
        page.select_option("select[name=sort]", sort)
        page.select_option("select[name=kind]", kind)
        for q in ("iz", "a", "dr", "k", "zz"):
            page.fill(SEARCH, "")
            settled(page)
            before = page.locator(".ht-count").text_content()
            first, count = page.evaluate(_ONE_KEY, q)
            full = visible_handles(page)
            assert first == full[: len(first)] and bool(first) == bool(full), (sort, kind, q, first, full[:12])
            if q == "a" and not kind:  # many bots start with it: the short way ran (the count waits for the full pass)
                assert count == before != page.locator(".ht-count").text_content()
            page.fill(SEARCH, "")
            settled(page)
            assert ranked(page, q) == full, (sort, kind, q)  # the same query given at once, and settled
    page.fill(SEARCH, "")
    page.select_option("select[name=kind]", "")
    page.select_option("select[name=sort]", "downloads")
    assert page.evaluate(_ONE_KEY, "iz")[0][:2] == ["iz", "iz-quux"]  # exact handle, then a cyborg with it, before the paint


def test_pasted_repo_ids_and_urls_find_the_bot(visit):
    page, _ = visit("")
    for query in (
        "huggingtweets/annhertzz",
        "https://huggingface.co/huggingtweets/annhertzz",
        "huggingface.co/huggingtweets/annhertzz/tree/main",
        "http://127.0.0.1:8000/bots/annhertzz/",
        "https://twitter.com/annhertzz",
    ):
        assert ranked(page, query)[:1] == ["annhertzz"], query


def test_one_typo_finds_the_bot_from_four_letters(visit):
    page, _ = visit("")
    page.click(SEARCH)  # loads the fuzzy index
    page.wait_for_selector("#ht-gallery[data-fuzzy]", state="attached")
    assert CYBORG in ranked(page, "dirl")  # two neighbouring letters swapped
    assert CYBORG in ranked(page, "drill")  # one letter too many
    assert "izabella" in ranked(page, "izabela")  # one letter missing
    assert "izabella" in ranked(page, "izabelka")  # one letter wrong
    assert CYBORG not in ranked(page, "drl")  # 3 letters: no typo tolerance
    exact = ranked(page, "izabella")
    assert exact[0] == "izabella" and "izabella" == ranked(page, "izabelka")[0]  # a typo still ranks it first here


def test_matches_are_highlighted_as_text(visit):
    page, _ = visit("")
    page.fill(SEARCH, "iz")
    marks = page.eval_on_selector_all(".ht-card:first-child mark", "ms => ms.map(m => m.textContent)")
    assert marks and all(m.lower() == "iz" for m in marks)
    # A hostile display name stays text when highlighted.
    page.fill(SEARCH, "script")
    settled(page)  # every card of this search in place, not the last one's
    card = page.locator(".ht-card", has=page.locator("mark")).first
    # textContent, not innerText: a card below the screen is not rendered (content-visibility), and
    # innerText of what is not rendered is empty.
    assert "<script>" in card.locator(".ht-card__name").text_content()
    assert page.locator(".ht-card__name script").count() == 0
    page.fill(SEARCH, "")
    assert page.locator(".ht-card mark").count() == 0


def test_slash_focuses_the_gallery_search_not_materials(visit):
    page, _ = visit("")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "search"
    assert page.evaluate("document.activeElement.closest('#ht-gallery') !== null")
    page.keyboard.type("iz")
    assert page.input_value(SEARCH) == "iz"  # the "/" itself was not typed
    assert not page.locator(".md-search__input").evaluate("el => el === document.activeElement")


def test_filter_changes_are_history_entries_and_typing_is_one(visit):
    page, _ = visit("")
    page.select_option("select[name=kind]", "cyborg")
    page.select_option("select[name=sort]", "name")
    page.fill(SEARCH, "d")
    page.fill(SEARCH, "dr")
    page.fill(SEARCH, "dril")
    assert query(page) == {"kind": ["cyborg"], "sort": ["name"], "search": ["dril"]}
    page.go_back()  # the whole typed search is one entry
    page.wait_for_function("!location.search.includes('search=')")
    assert page.input_value(SEARCH) == "" and page.input_value("select[name=sort]") == "name"
    page.go_back()
    page.wait_for_function("!location.search.includes('sort=')")
    assert page.input_value("select[name=sort]") == "downloads" and page.input_value("select[name=kind]") == "cyborg"
    assert all(h.count("-") for h in visible_handles(page))  # still only cyborgs
    page.go_forward()
    page.wait_for_function("location.search.includes('sort=name')")
    assert page.input_value("select[name=sort]") == "name"
    handles = visible_handles(page)
    assert handles == sorted(handles, key=str.lower)


def test_a_search_typed_then_left_at_once_is_the_entry_back_returns_to(visit):
    """While typing, the URL waits for a pause in the keys (gallery.js TYPING_URL_DELAY), but leaving
    by a card writes it first: Back finds the whole search."""
    page, _ = visit("")
    page.locator(SEARCH).press_sequentially("dril")
    page.locator(".ht-card a").first.click()  # within the pause
    page.wait_for_url("**/bots/**")
    page.go_back()
    page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
    assert page.input_value(SEARCH) == "dril" and query(page)["search"] == ["dril"]
    assert visible_handles(page)[0].startswith("dril")


def _small_pages(page, size: int) -> None:
    """Serve the gallery with ``size`` cards a page, so a few "Show more" reach many pages."""

    def route(r):
        response = r.fetch()
        body = re.sub(r'data-page="\d+"', f'data-page="{size}"', response.text(), count=1)
        r.fulfill(response=response, body=body)

    page.route(re.compile(r".*/(\?.*)?$"), route)


@pytest.mark.parametrize("leave", ["back", "reload"])
def test_back_restores_how_many_cards_and_the_scroll_position(browser, served_site, corpus_site, leave):
    # A short window, so that the 24-card pages leave "Show more" out of reach until asked.
    context = browser.new_context(viewport={"width": 1366, "height": 600})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _small_pages(page, 24)
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]")
    page.select_option("select[name=sort]", "name")
    for _ in range(4):  # a click, not scrolling to the button: that would ask for more by itself
        page.evaluate("document.querySelector('.ht-more').click()")
    assert len(visible_handles(page)) == 5 * 24 < len(corpus_site.bots)
    page.evaluate("window.scrollTo(0, document.querySelectorAll('.ht-card')[60].offsetTop)")
    page.wait_for_timeout(400)  # the scroll position is saved at most every 150 ms
    scroll = page.evaluate("window.scrollY")
    shown = len(visible_handles(page))
    assert scroll > 2000 and shown == 5 * 24  # the "Show more" button is out of reach: no more shown
    target = page.locator(".ht-card a").nth(61)
    href = target.get_attribute("href")
    if leave == "back":
        target.click()
        page.wait_for_url(f"**/{href}")
        page.go_back()
    else:
        page.reload()
    page.wait_for_selector("#ht-gallery[data-ready]")
    page.wait_for_timeout(300)
    assert len(visible_handles(page)) == shown
    assert page.input_value("select[name=sort]") == "name"
    assert abs(page.evaluate("window.scrollY") - scroll) <= 2
    context.close()
    assert not errors


def test_option_counts_follow_the_other_filters_and_empty_options_are_disabled(visit, corpus_site):
    page, _ = visit("")
    bots = corpus_site.bots

    def options(name: str) -> dict[str, tuple[str, bool]]:
        return dict(page.eval_on_selector_all(
            f"select[name={name}] option", "os => os.map(o => [o.value, [o.textContent, o.disabled]])"))  # fmt: skip

    def n_of(b) -> str:
        return str(min(len(b.users) or len(b.handles), 4))

    kinds = options("kind")
    assert kinds["cyborg"][0] == f"Cyborgs ({sum(b.kind == 'cyborg' for b in bots)})"
    assert kinds[""][0] == f"All ({len(bots)})"
    page.select_option("select[name=kind]", "bot")
    ns = options("n")
    assert ns["1"][0] == f"1 ({sum(b.kind == 'bot' for b in bots)})"
    assert ns["3"] == ["3 (0)", True]  # no bot has three accounts: offered but disabled
    page.fill(SEARCH, "ph4370n")  # the cyborg only: every kind but cyborgs gives nothing
    kinds = options("kind")
    assert kinds["cyborg"] == ["Cyborgs (1)", False] and kinds["bot"] == ["Bots (0)", False]  # the selected one stays usable
    assert page.is_visible(".ht-empty")
    # The page as served already carries the counts (nothing changes when the script runs).
    html = page.request.get(page.url.split("?")[0]).text()
    assert f"Cyborgs ({sum(b.kind == 'cyborg' for b in bots)})" in html
    assert "Card template" in html and ">Era<" not in html
    eras = {b.era for b in bots}
    assert html.count('<option value="20') - len({str(b.created.year) for b in bots if b.created}) == len(eras - {"unknown"})


def test_dense_view_shows_20_bots_a_screen_and_is_remembered(browser, served_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]")
    page.check("input[name=view][value=list]", force=True)
    assert query(page) == {"view": ["list"]}
    page.evaluate("window.scrollTo(0, document.querySelector('.ht-grid').offsetTop)")
    in_view = page.evaluate(
        "[...document.querySelectorAll('.ht-card')].filter(c => { const r = c.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }).length"
    )
    assert in_view >= 20
    assert page.locator(".ht-card img:visible").count() == 0
    page.goto(served_site)  # a new visit, no ?view=: the stored choice
    page.wait_for_selector("#ht-gallery[data-ready]")
    assert page.evaluate("document.documentElement.classList.contains('ht-list')")
    assert page.is_checked("input[name=view][value=list]")
    page.goto(served_site + "?view=grid")  # the URL wins over the stored choice
    page.wait_for_selector("#ht-gallery[data-ready]")
    assert page.locator(".ht-card img:visible").count() > 0
    context.close()


def test_every_card_of_a_view_is_one_height_and_a_keystroke_fills_the_page_after_its_paint(browser, served_site):
    """Fixed card heights: where a card sits depends only on how many are shown (the off-screen ones
    are not laid out, content-visibility), so Back finds the exact place; typing shows the cards on
    screen at once and the rest of the page right after."""
    from generator.render.gallery import PAGE

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]")
    for view in ("list", "grid"):
        page.check(f"input[name=view][value={view}]", force=True)
        settled(page)
        heights = page.eval_on_selector_all(".ht-card", "cs => [...new Set(cs.map(c => c.getBoundingClientRect().height))]")
        assert len(heights) == 1 and heights[0] > 0, (view, heights)
    page.locator(SEARCH).press_sequentially("a")
    first = page.evaluate("document.querySelectorAll('.ht-card').length")
    settled(page)
    total = page.evaluate("document.querySelectorAll('.ht-card').length")
    assert 0 < first <= total == PAGE  # the corpus has more than a page of bots with an "a"
    context.close()


def test_opening_words_come_from_their_own_file_once_a_card_the_page_lacks_is_shown(browser, served_site):
    """The data file points to the extras file; the script fetches it only for cards it builds."""
    import json

    from generator.render.gallery import DATA_FILE, EXTRAS_FILE

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    names: list[str] = []
    asked: list[str] = []

    extras: dict = {}

    def data(route):  # the corpus has no predict samples: give every bot some words
        body = json.loads(route.fetch().text())
        names.extend(body["name"])
        extras.update(json.loads(route.fetch(url=route.request.url.replace(DATA_FILE, EXTRAS_FILE).split("?")[0]).text()))
        extras["say"] = [f"I am {n}" for n in names]
        body["extras"] = f"{EXTRAS_FILE}?v=test"
        route.fulfill(body=json.dumps(body), content_type="application/json")

    def more(route):
        asked.append(route.request.url)
        route.fulfill(body=json.dumps(extras), content_type="application/json")

    page.route(f"**/{DATA_FILE}?*", data)
    page.route(f"**/{EXTRAS_FILE}?*", more)
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
    settled(page)
    assert asked == [] and page.locator(".ht-card__say").count() == 0  # the served cards: nothing to fetch
    page.fill(SEARCH, names[-1])  # the last bot: not in the page as served
    settled(page)
    assert page.locator(".ht-card").first.locator(".ht-card__say").inner_text() == f"I am {names[-1]}"
    page.fill(SEARCH, names[-2])
    settled(page)
    assert page.locator(".ht-card").first.locator(".ht-card__say").inner_text() == f"I am {names[-2]}"
    assert len(asked) == 1
    context.close()


#: A card's figure or date is whole: laid out, inside its line's box and the card's, and not cut by an ellipsis.
_CUT = """(cs, sel) => cs.filter(c => { const f = c.querySelector(sel); if (!f) return false;
    let box = f.parentElement; while (!box.getClientRects().length) box = box.parentElement;  // display: contents
    const r = f.getBoundingClientRect(), line = box.getBoundingClientRect(), card = c.getBoundingClientRect();
    return !(r.width > 0 && f.scrollWidth <= Math.ceil(r.width) && r.right <= Math.min(line.right, card.right) + 0.5
             && r.bottom <= Math.min(line.bottom, card.bottom) + 0.5); }).map(c => c.querySelector('.ht-card__handle').textContent)"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_figure_of_the_sort_and_the_date_are_never_cut_off_a_card(browser, served_site, width):
    """Cards have fixed heights and cut text to fit: the figure the gallery is sorted by and the date
    the bot was last updated must still show whole, in both views, on a desktop and on a phone."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for view in ("grid", "list"):
        for sort in ("newest", "rising", "updated", "downloads"):
            page.goto(served_site + f"?sort={sort}&view={view}")
            page.wait_for_selector("#ht-gallery[data-ready]")
            settled(page)
            if sort in ("newest", "rising"):
                assert page.eval_on_selector_all(".ht-card", _CUT, ".ht-f") == [], (width, view, sort)
                assert page.locator(".ht-card .ht-f:empty").count() == 0
            dated = page.locator(".ht-card .ht-u").count()
            assert dated >= SERVED_CARDS - 5, (width, view, sort, dated)  # the corpus's few seeds have no date
            assert page.eval_on_selector_all(".ht-card", _CUT, ".ht-u") == [], (width, view, sort)
    context.close()


def test_cards_show_the_figure_of_the_sort(visit, corpus_site):
    page, _ = visit("?search=annhertzz")
    meta = page.locator(".ht-card:first-child .ht-card__meta")
    assert "↓ unknown" in meta.inner_text() and "♥ unknown" in meta.inner_text()  # a seed card: the Hub said nothing
    page.fill(SEARCH, "")
    top = page.locator(".ht-card:first-child .ht-card__meta").inner_text()
    best = max(b.hub.downloads for b in corpus_site.bots if b.hub.downloads is not None)
    assert f"↓ {best:,}" in top
    page.select_option("select[name=sort]", "kept")
    kept = max(b.totals["tweets_kept"] for b in corpus_site.bots if b.totals["tweets_kept"] is not None)
    assert page.locator(".ht-card:first-child .ht-f").inner_text() == f"{kept:,} tweets kept"
    page.select_option("select[name=sort]", "newest")
    assert re.fullmatch(r"created \d{1,2} \w{3} \d{4}", page.locator(".ht-card:first-child .ht-f").inner_text())
    # Every card shows the day it was last updated on the Hub; sorted by it, that date stands out and no figure repeats it.
    page.select_option("select[name=sort]", "updated")
    settled(page)
    last = max(b.hub.last_modified[:10] for b in corpus_site.bots if b.hub.last_modified)
    first = page.locator(".ht-card:first-child")
    assert first.locator(".ht-u").get_attribute("datetime") == last and first.locator(".ht-f").inner_text() == ""
    y, m, d = (int(x) for x in last.split("-"))
    assert first.locator(".ht-u").inner_text() == f"{d} {'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()[m - 1]} {y}"
    assert first.locator(".ht-u").evaluate("e => getComputedStyle(e).fontWeight") == "700"
    page.select_option("select[name=sort]", "downloads")
    settled(page)
    assert page.locator(".ht-card:first-child .ht-u").evaluate("e => getComputedStyle(e).fontWeight") == "400"


#: CPU slow-down while the page loads in the layout-shift test: a loaded machine's
#: conditions, where the browser paints the page in pieces while it parses it.
SLOW_CPU = 4


def test_no_layout_shift_when_the_script_starts(browser, served_site):
    """No shift from the moment gallery.js starts (its "ht-gallery-start" mark) until it has applied the view.

    Shifts before that mark are the browser's progressive rendering of a page
    it is still parsing, not the script's. Each shift is recorded with its
    time and compared with the mark only at the end: an observer callback can
    run before the script has started (on a loaded machine it often does),
    and then no mark exists yet to compare with.
    """
    for view in ("grid", "list"):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": SLOW_CPU})
        page.add_init_script(
            "window.__shifts = []; new PerformanceObserver(l => l.getEntries().forEach(e => {"
            " if (!e.hadRecentInput) window.__shifts.push([e.startTime, e.value]); }))"
            ".observe({type: 'layout-shift', buffered: true});"
            f" localStorage.setItem('ht-gallery-view', '{view}');"
        )
        page.goto(served_site)
        page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(200)
        start = page.evaluate("performance.getEntriesByName('ht-gallery-start')[0].startTime")
        shifts = page.evaluate("window.__shifts")
        assert [v for t, v in shifts if t >= start] == [], (view, start, shifts)
        context.close()


def test_without_javascript_only_the_first_images_load(browser, served_site, corpus_site):
    from generator.render.gallery import SERVED_IMAGES

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    images: list[str] = []
    page.on("request", lambda r: images.append(r.url.rsplit("/", 1)[1]) if "/img/" in r.url else None)
    page.goto(served_site)
    page.wait_for_load_state("networkidle")
    first = page.eval_on_selector_all(
        f".ht-card:nth-child(-n+{SERVED_IMAGES}) img[src]", "is => is.map(i => i.getAttribute('src').split('/').pop())"
    )
    assert first and sorted(images) == sorted(set(first))  # the avatars of the first cards, nothing else
    assert page.locator(f".ht-card:nth-child(n+{SERVED_IMAGES + 1}) img[src]").count() == 0
    assert page.locator(f".ht-card:nth-child(n+{SERVED_IMAGES + 1}) img[data-src]").count() > 0
    sizes = page.eval_on_selector_all(".ht-card img", "is => is.every(i => i.getAttribute('width') && i.getAttribute('height'))")
    assert sizes
    context.close()


def test_cards_the_script_builds_are_the_cards_the_page_serves(browser, served_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    served = page.request.get(served_site).text()

    def no_cards(r):  # the gallery without its server-rendered cards: the script builds every one
        response = r.fetch()
        r.fulfill(response=response, body=re.sub(r'<li class="ht-card">.*?</li>\n?', "", response.text()))

    page.route(re.compile(r".*/(\?.*)?$"), no_cards)
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
    settled(page)  # the extras file (the avatars) is in: the cards built before it have been given theirs
    outer = "cs => cs.map(c => c.outerHTML.replaceAll(' data-src=', ' src=').replaceAll(' loading=\"lazy\"', ''))"
    built = page.eval_on_selector_all(".ht-card", outer)
    expected = page.evaluate(  # the cards as served, parsed by the same browser (no script runs on them)
        f"html => ({outer})([...new DOMParser().parseFromString(html, 'text/html').querySelectorAll('.ht-card')])", served
    )
    assert len(expected) == SERVED_CARDS and built[: len(expected)] == expected
    assert any("<img " in c for c in expected) and any("ht-face--more" in c or "CYBORG" in c for c in expected)
    context.close()


#: Each card's markup, as the served-cards test compares it (lazy or eager, an avatar is the same image).
_OUTER = "cs => cs.map(c => c.outerHTML.replaceAll(' data-src=', ' src=').replaceAll(' loading=\"lazy\"', ''))"


def _with_words(page, served: int) -> None:
    """Gives every other bot past the first ``served`` some opening words (the extras file), so cards
    rewritten in place gain and lose them; the served cards keep what the page has (none)."""
    import json

    from generator.render.gallery import DATA_FILE, EXTRAS_FILE

    def data(route):
        body = json.loads(route.fetch().text())
        extras = json.loads(route.fetch(url=route.request.url.replace(DATA_FILE, EXTRAS_FILE).split("?")[0]).text())
        extras["say"] = [f"I am {n}" if i >= served and i % 2 else "" for i, n in enumerate(body["name"])]
        body["extras"] = f"{EXTRAS_FILE}?v=words"
        page.route(f"**/{EXTRAS_FILE}?v=words", lambda r: r.fulfill(body=json.dumps(extras), content_type="application/json"))
        route.fulfill(body=json.dumps(body), content_type="application/json")

    page.route(f"**/{DATA_FILE}?*", data)


def test_cards_rewritten_in_place_are_the_cards_built_for_their_bots(browser, served_site):
    """A keystroke rewrites the cards already in the list (gallery.js `fill`) instead of putting in new
    ones: after a sequence of keys, erasing, a filter and Back, every card (its link, faces, avatars,
    names, highlights, date, words, badge and figures) must be exactly the card built at once for the
    same view, and clearing the search must give back the served cards byte for byte."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    served = page.request.get(served_site).text()
    expected_served = page.evaluate(
        f"html => ({_OUTER})([...new DOMParser().parseFromString(html, 'text/html').querySelectorAll('.ht-card')])", served
    )
    _with_words(page, SERVED_CARDS)
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
    page.focus(SEARCH)
    page.wait_for_selector("#ht-gallery[data-fuzzy]", state="attached")
    search = page.locator(SEARCH)
    search.press_sequentially("alex", delay=20)
    for _ in range(3):
        page.keyboard.press("Backspace")
    search.press_sequentially("nn", delay=20)  # "ann"
    settled(page)
    typed = page.eval_on_selector_all(".ht-card", _OUTER)
    page.select_option("select[name=kind]", "cyborg")
    settled(page)
    cyborgs = page.eval_on_selector_all(".ht-card", _OUTER)
    page.go_back()
    page.wait_for_function("!location.search.includes('kind=')")
    settled(page)
    back = page.eval_on_selector_all(".ht-card", _OUTER)
    page.fill(SEARCH, "")
    settled(page)
    cleared = page.eval_on_selector_all(".ht-card", _OUTER)

    def built(path: str) -> list[str]:
        """The cards of ``path`` in a page served without cards: every one built by the script at once."""
        fresh = context.new_page()

        def no_cards(r):
            response = r.fetch()
            r.fulfill(response=response, body=re.sub(r'<li class="ht-card">.*?</li>\n?', "", response.text()))

        fresh.route(re.compile(r".*/(\?.*)?$"), no_cards)
        _with_words(fresh, SERVED_CARDS)
        fresh.goto(served_site + path)
        fresh.wait_for_selector("#ht-gallery[data-ready]", state="attached")
        settled(fresh)
        cards = fresh.eval_on_selector_all(".ht-card", _OUTER)
        fresh.close()
        return cards

    ann = built("?search=ann")
    assert typed == ann and back == ann
    assert cyborgs == built("?search=ann&kind=cyborg") and cyborgs != ann
    # The rewritten cards went through every optional part: words or none, a date or none, a bot or a cyborg.
    assert any("ht-card__say" in c for c in ann) and any("ht-card__say" not in c for c in ann)
    assert any("<time" not in c for c in ann) and any("CYBORG" in c for c in ann) and any(">BOT<" in c for c in ann)
    assert any("<mark>" in c for c in ann)
    assert cleared == expected_served and "<mark>" not in "".join(cleared)
    context.close()
    assert not errors


def test_without_its_data_file_the_gallery_says_so_and_keeps_its_first_page(browser, served_site):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.route("**/gallery.json*", lambda r: r.fulfill(status=500, body="no"))
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-error]", state="attached")
    assert page.is_visible(".ht-error") and page.locator(".ht-card:visible").count() == SERVED_CARDS
    assert page.locator(".ht-pages a").count() >= 1 and not page.evaluate("document.getElementById('ht-gallery').hasAttribute('data-ready')")
    context.close()


def test_rising_sort_and_the_downloads_sparkline(visit, corpus_site):
    page, _ = visit("?sort=rising")
    assert visible_handles(page)[0] == RISING_BOT
    assert page.locator(".ht-card:first-child .ht-f").inner_text() == f"+{7 * 15} ↓ in 7 nights"  # 15 a night (site_fixtures.write_history)
    labels = page.eval_on_selector_all("select[name=sort] option", "os => os.map(o => o.textContent)")
    assert "Rising (7 nights)" in labels
    page.goto(page.url.split("?")[0] + f"bots/{RISING_BOT}/")
    spark = page.locator("svg.ht-spark")
    assert spark.count() == 1 and "Downloads over the last 9 nightly snapshots" in spark.get_attribute("aria-label")


def test_accounts_index_reads_in_order_and_is_searchable(visit, corpus_site):
    page, _ = visit("accounts/", viewport={"width": 1366, "height": 900})
    boxes = page.eval_on_selector_all(".ht-account-list > li", "ls => ls.slice(0, 12).map(l => l.getBoundingClientRect().toJSON())")
    assert boxes[0]["top"] == boxes[1]["top"] and boxes[0]["left"] < boxes[1]["left"]  # ranks 1 and 2 side by side
    reading = sorted(range(len(boxes)), key=lambda i: (round(boxes[i]["top"]), boxes[i]["left"]))
    assert reading == list(range(len(boxes)))  # row by row, left to right, is rank order
    first = page.locator(".ht-account-list > li").first.inner_text()
    assert first.startswith("@") and re.search(r"\d+ bots?$", first)
    page.fill(".ht-accounts__search input", "Izzy")  # a display name
    shown = page.eval_on_selector_all(".ht-account-list > li:not([hidden]) a", "as => as.map(a => a.textContent)")
    assert shown == ["@stonefan"]
    assert "Izzy Stone" in page.locator(".ht-account-list > li:not([hidden])").inner_text()
    page.fill(".ht-accounts__search input", "@dril")
    assert "@dril" in page.eval_on_selector_all(".ht-account-list > li:not([hidden]) a", "as => as.map(a => a.textContent)")
    assert page.evaluate("location.search") == "?search=%40dril"


#: Likes given to the corpus's bots in the sort test, round and round: ties, zero, negatives and
#: unknowns, the cases where the sort's one-number encoding (gallery.js `sortedBy`) could go wrong.
_LIKES = [3, None, 0, 3, -2, 17, None, 0, 3, 2**35 - 1, -(2**35) + 1, 1]


@pytest.mark.parametrize("odd", [None, 2**35, 1.5], ids=["encoded", "too-large", "fraction"])
def test_every_sort_orders_every_bot_as_the_data_file_says(browser, served_site, odd):
    """Each sort lists every bot: larger first, unknown last, ties by name, as gallery.py's sort_bots.
    The likes are made to have ties, negatives, zeros, unknowns and the encoding's extremes; with a
    value it cannot encode (``odd``), the script sorts the other way, and the order is the same."""
    import json

    from generator.render.gallery import DATA_FILE

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    seen: dict = {}

    def data(route):
        body = json.loads(route.fetch().text())
        body["l"] = [_LIKES[i % len(_LIKES)] for i in range(len(body["name"]))]
        if odd is not None:
            body["l"][len(body["name"]) // 2] = odd
        seen.update(body)
        route.fulfill(body=json.dumps(body), content_type="application/json")

    page.route(f"**/{DATA_FILE}?*", data)
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]", state="attached")
    names = seen["name"]
    sorts = page.eval_on_selector_all("select[name=sort] option", "os => os.map(o => o.value)")
    assert {"likes", "kept", "newest", "updated", "rising", "name"} <= set(sorts)
    column = {"likes": "l", "kept": "t", "newest": "c", "updated": "u", "rising": "r"}
    for sort in sorts[1:] + sorts[:1]:
        page.select_option("select[name=sort]", sort)
        while page.is_visible(".ht-more"):
            page.evaluate("document.querySelector('.ht-more').click()")
            settled(page)
        shown = visible_handles(page)
        if sort == "name":
            want = sorted(names, key=str.lower)
        elif sort == "downloads":
            want = names  # the data file's own order
        else:
            v = seen[column[sort]]
            want = [names[i] for i in sorted(range(len(names)), key=lambda i: (v[i] is None, -(v[i] or 0), names[i].lower()))]
        assert shown == want, (sort, odd)
        assert len(set(shown)) == len(names)
    context.close()


_COUNT_HISTORY = """() => { window.__hist = []; for (const f of ['pushState', 'replaceState']) {
  const o = history[f].bind(history); history[f] = function () { window.__hist.push(f); return o.apply(null, arguments); }; } }"""


def test_a_sort_change_is_one_history_entry_and_back_and_forward_restore_each_place(browser, served_site):
    """A change pushes one entry and writes nothing else when the entry it leaves already holds its
    place (each history call costs the browser process milliseconds); Back and Forward still find
    each entry's sort and scroll position, also after scrolling within an entry."""
    context = browser.new_context(viewport={"width": 1366, "height": 600})
    page = context.new_page()
    page.goto(served_site)
    page.wait_for_selector("#ht-gallery[data-ready]")
    page.evaluate(_COUNT_HISTORY)

    def scroll_to(y: int) -> int:
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(400)  # the scroll position is saved at most every 150 ms
        return page.evaluate("Math.round(window.scrollY)")

    def change(sort: str) -> list[str]:
        page.evaluate("window.__hist.length = 0")
        page.select_option("select[name=sort]", sort)
        settled(page)
        return page.evaluate("window.__hist.slice()")

    first = scroll_to(1500)
    assert first > 1000
    assert change("likes") == ["pushState"]  # the entry left holds this place already (saved on scroll)
    assert page.evaluate("Math.round(window.scrollY)") == first
    second = scroll_to(700)
    assert abs(second - first) > 500
    assert change("name") == ["pushState"]
    # Scrolled and changed at once, before any scroll event: the change writes the place it leaves first.
    page.evaluate("""() => { window.__hist.length = 0; window.scrollTo(0, 300); const s = document.querySelector('select[name=sort]');
      s.value = 'kept'; s.dispatchEvent(new Event('change', {bubbles: true})); }""")
    settled(page)
    assert page.evaluate("window.__hist.slice()") == ["replaceState", "pushState"]
    for go, sort, y in ((page.go_back, "name", 300), (page.go_back, "likes", second), (page.go_back, "downloads", first),
                        (page.go_forward, "likes", second)):  # fmt: skip
        go()
        page.wait_for_function(f"document.querySelector('select[name=sort]').value === '{sort}'")
        settled(page)
        page.wait_for_timeout(100)
        assert abs(page.evaluate("window.scrollY") - y) <= 2, (sort, y)
    context.close()
