"""The built site in headless Chromium (Debian's, driven by Playwright): what a visitor does.

One corpus site is built and served on 127.0.0.1 per session. Every page a
test opens is watched: a console error or a request to any host but the
local server fails the test. Screenshots of every page kind go to
``$SCREENSHOT_DIR`` when it is set (to look at them), else to a temp folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")

CYBORG = "dril-kanyewest-ph4370n"
#: axe-core, installed from npm at the version pinned in tests/package-lock.json (`make test` runs npm ci).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
#: Violations that come from Material's own markup, not from our templates or
#: CSS: (rule, CSS selector of the only node it flags). Anything else fails.
MATERIAL_OWNED = {
    ("aria-dialog-name", ".md-search"),  # the search overlay's role=dialog has no name in Material 9
    ("landmark-unique", ".md-search__inner"),  # Material's search form is a second unnamed "search" landmark
}

# The browser, a watched page and the ``visit`` fixture are shared with the
# other browser tests: tests/browser_fixtures.py (one Chromium per session).
from tests.browser_fixtures import _open  # noqa: E402


def settled(page) -> None:
    """Waits for what the gallery does after the paint: the cards below the screen, the history entry."""
    page.wait_for_function("!document.querySelector('#ht-gallery[data-pending]')")


def visible_handles(page) -> list[str]:
    settled(page)
    return page.eval_on_selector_all(
        ".ht-card:not([hidden]) .ht-card__handle", "els => els.map(e => e.textContent.slice(1))"
    )


PAGE = 60  # cards the gallery lays out before "Show more" (generator/render/gallery.py PAGE)


def test_gallery_search_by_handle_with_and_without_at(visit, corpus_site):
    page, _ = visit("")
    assert len(corpus_site.bots) > PAGE  # so paging is exercised too
    assert len(visible_handles(page)) == PAGE
    for query in ("ph4370n", "@ph4370n", "  @PH4370N "):
        page.fill(".ht-controls input[name=search]", query)
        assert visible_handles(page) == [CYBORG], query
    page.fill(".ht-controls input[name=search]", "Don Hughes")  # a display name (the corpus reuses it)
    found = visible_handles(page)
    assert "getfiscal" in found
    assert set(found) == {b.name for b in corpus_site.bots if any(u.name and "Don Hughes" in u.name for u in b.users)}
    settled(page)
    assert parse_qs(page.evaluate("location.search").lstrip("?")) == {"search": ["Don Hughes"]}


def test_gallery_shows_more_on_scroll(visit, corpus_site):
    page, _ = visit("")
    assert page.inner_text(".ht-count") == f"{len(corpus_site.bots)} bots, {PAGE} shown"
    page.locator(".ht-more").scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelectorAll('.ht-card:not([hidden])').length > {PAGE}")
    for _ in range(len(corpus_site.bots) // PAGE):  # each scroll to the button shows the next page
        if page.is_hidden(".ht-more"):
            break
        page.locator(".ht-more").scroll_into_view_if_needed()
        page.wait_for_timeout(200)
    assert len(visible_handles(page)) == len(corpus_site.bots) and page.is_hidden(".ht-more")


def test_gallery_filters_and_sorts(visit, corpus_site):
    page, _ = visit("")
    names = sorted((b.name for b in corpus_site.bots), key=str.lower)
    page.select_option("select[name=kind]", "cyborg")
    cyborgs = visible_handles(page)
    assert set(cyborgs) == {b.name for b in corpus_site.bots if b.kind == "cyborg"}
    assert 0 < len(cyborgs) < PAGE
    page.select_option("select[name=n]", "3")
    assert set(visible_handles(page)) == {b.name for b in corpus_site.bots if len(b.users) == 3}
    page.select_option("select[name=n]", "")
    page.select_option("select[name=kind]", "")
    first = visible_handles(page)
    page.select_option("select[name=sort]", "name")
    assert visible_handles(page) == names[:PAGE] != first
    page.select_option("select[name=sort]", "kept")
    kept = {b.name: b.totals["tweets_kept"] for b in corpus_site.bots}
    order = [kept[h] for h in visible_handles(page) if kept[h] is not None]
    assert order == sorted(order, reverse=True)
    assert order[0] == max(v for v in kept.values() if v is not None)
    page.select_option("select[name=year]", "2020")
    assert set(visible_handles(page)) == {b.name for b in corpus_site.bots if b.created and b.created.year == 2020}
    assert parse_qs(urlsplit(page.url).query) == {"sort": ["kept"], "year": ["2020"]}


def test_gallery_state_comes_back_from_the_url_and_empty_state_shows(visit):
    page, _ = visit("?search=%40getfiscal&kind=bot&sort=name")
    assert page.input_value("input[name=search]") == "@getfiscal"
    assert page.input_value("select[name=kind]") == "bot"
    assert page.input_value("select[name=sort]") == "name"
    assert visible_handles(page) == ["getfiscal"]
    assert page.is_hidden(".ht-empty")
    page.fill("input[name=search]", "no such bot anywhere")
    assert visible_handles(page) == [] and page.is_visible(".ht-empty")
    page.click(".ht-reset")
    assert len(visible_handles(page)) > 1 and page.is_hidden(".ht-empty")
    assert urlsplit(page.url).query == ""


def test_gallery_lists_every_bot_without_javascript(visit, corpus_site):
    from generator.render.gallery import SERVED_CARDS

    page, _ = visit("", java_script_enabled=False)
    # The first page of cards is in the page as served (the rest come from the data file, with a script).
    assert page.locator(".ht-card:visible").count() == min(SERVED_CARDS, len(corpus_site.bots)) < len(corpus_site.bots)
    assert page.is_hidden(".ht-controls") and page.is_hidden(".ht-more")  # controls that could not work are not shown
    # Avatars past the first 12 cards are lazy (and past the first 24 not even in the page as served).
    assert page.locator(".ht-card:nth-child(n+13) img:not([loading=lazy])").count() == 0
    assert page.locator(".ht-card:nth-child(n+13) img[loading=lazy]").count() > 0
    # Every bot is one click away on the list pages the gallery links, each once.
    found: list[str] = []
    for href in page.eval_on_selector_all(".ht-pages a", "as => as.map(a => a.href)"):
        page.goto(href)
        found += [h.split("/bots/")[1].rstrip("/") for h in page.eval_on_selector_all(".ht-all__list a", "as => as.map(a => a.href)")]
    assert sorted(found) == sorted(b.name for b in corpus_site.bots)
    page.locator(".ht-all__list a").first.click()
    page.wait_for_url("**/bots/*/")


def test_material_search_finds_a_bot_by_handle(visit):
    page, _ = visit("")
    box = page.locator("input.md-search__input")
    for query in ("@getfiscal", "getfiscal"):
        box.click()
        box.fill("")
        box.press_sequentially(query, delay=10)  # Material searches on key events
        first = page.locator(".md-search-result__item a").first
        first.wait_for(timeout=10_000)
        assert urlsplit(first.get_attribute("href")).path.endswith("/bots/getfiscal/"), query


def test_bot_page_shows_its_training_table(visit):
    page, _ = visit(f"bots/{CYBORG}/")
    rows = page.eval_on_selector_all(".ht-table tbody tr", "trs => trs.map(t => t.innerText)")
    assert [r.split("\t")[0] for r in rows] == ["lexi", "wint", "ye", "Total"]
    assert "7,761" in rows[-1] and "61.1%" in rows[-1]
    assert page.get_attribute("meta[property='og:image']", "content").endswith(f"img/thumbs/{CYBORG}.png")
    assert page.locator(".ht-thumb img").evaluate("img => img.complete && img.naturalWidth") == 1200
    assert page.get_attribute("a[href*='accounts/dril/']", "href") == "../../accounts/dril/"
    assert page.get_attribute("a[href='https://twitter.com/dril']", "rel") == "nofollow noopener"


def test_account_page_lists_its_cyborgs(visit):
    page, _ = visit("accounts/dril/")
    assert page.locator("h1").inner_text() == "@dril"
    link = page.locator(f"a[href='../../bots/{CYBORG}/']")
    assert link.count() == 1 and link.inner_text() == "lexi & wint & ye"
    link.click()
    page.wait_for_url(f"**/bots/{CYBORG}/")


@pytest.mark.parametrize("path", ["", f"bots/{CYBORG}/", "accounts/dril/", "statistics/", "accounts/"])
def test_mobile_width_has_no_horizontal_overflow(visit, path):
    page, _ = visit(path, viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_dark_mode_toggle(visit):
    page, _ = visit("")
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    page.click("form[data-md-component=palette] label:visible")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"


@pytest.mark.parametrize("width", [1366, 390])
def test_bot_and_account_pages_header_search_and_toggle_work_from_the_shared_script(visit, width):
    """Their palette toggle and search come from assets/header.<hash>.js (generator/compact.py), not the page."""
    page, _ = visit(f"bots/{CYBORG}/", viewport={"width": width, "height": 800}, is_mobile=width == 390)
    assert page.locator("script[src*='assets/header.']").count() == 1
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    page.click("form[data-md-component=palette] label:visible")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    # The choice is applied on the next page before it is painted, as Material's inline script did.
    page.goto(page.url.replace(f"bots/{CYBORG}/", "accounts/dril/"), wait_until="commit")
    page.wait_for_selector("header form[data-md-component=palette]", state="attached")
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    page.wait_for_load_state("networkidle")
    if width == 390:
        page.click("label.md-header__button[for=__search]")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("getfiscal", delay=10)
    first = page.locator(".md-search-result__item a").first
    first.wait_for(timeout=10_000)
    assert urlsplit(first.get_attribute("href")).path.endswith("/bots/getfiscal/")


def test_bot_page_reads_without_javascript_and_shows_no_dead_widgets(visit):
    page, _ = visit(f"bots/{CYBORG}/", java_script_enabled=False)
    assert page.locator("h1").inner_text() == "lexi & wint & ye"
    assert page.locator(".ht-table tbody tr").count() == 4 and page.locator("nav.md-tabs a").count() == 5
    # Material's search and palette need its script; without one, the page offers neither.
    assert page.locator("input.md-search__input, input[name=__palette]").count() == 0


def test_404_page_is_served_styled_with_working_links(browser, served_site):
    context, page, watch = _open(browser, served_site)
    watch.expected_404 = True
    response = page.goto(served_site + "bots/no-such-bot/")
    page.wait_for_load_state("networkidle")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "No bot here"
    assert page.locator("link[rel=stylesheet]").count() >= 1 and page.evaluate(
        "getComputedStyle(document.querySelector('.md-header')).position"
    ) != "static"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "404.png"))
    page.click("text=Search the gallery")
    page.wait_for_selector("#ht-gallery")
    context.close()
    assert not watch.errors and not watch.foreign, (watch.errors, watch.foreign)


def test_screenshots_of_every_page_kind(visit, tmp_path):
    out = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    shots = {
        "gallery": ("", {}),
        "bot": ("bots/getfiscal/", {}),
        "cyborg": (f"bots/{CYBORG}/", {}),
        "account": ("accounts/dril/", {}),
        "statistics": ("statistics/", {}),
        "mobile-gallery": ("", {"viewport": {"width": 375, "height": 800}, "is_mobile": True}),
        "mobile-bot": (f"bots/{CYBORG}/", {"viewport": {"width": 375, "height": 800}, "is_mobile": True}),
        "dark-gallery": ("", {"color_scheme": "dark"}),
        "dark-bot": (f"bots/{CYBORG}/", {"color_scheme": "dark"}),
    }
    for name, (path, args) in shots.items():
        page, _ = visit(path, **args)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # load lazy images
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out / f"{name}.png"), full_page=name in ("statistics", "cyborg", "mobile-bot"))
        assert (out / f"{name}.png").stat().st_size > 10_000


def axe_violations(page) -> list[str]:
    """axe-core's violations on ``page`` (WCAG 2.x A/AA and best practice), minus :data:`MATERIAL_OWNED`,
    one line each: rule, impact, and the first nodes with axe's reason."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci` in tests/ (make test does)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), why: (n.failureSummary || "").split("\\n")[1] || ""}))}))"""
    )
    out = []
    for v in found:
        nodes = [n for n in v["nodes"] if (v["id"], n["target"]) not in MATERIAL_OWNED]
        if nodes:
            sample = "; ".join(f"{n['target']}: {n['why'].strip()}" for n in nodes[:3])
            out.append(f"{v['id']} ({v['impact']}, {len(nodes)} nodes): {sample}")
    return out


AXE_PAGES = [(p, 1366) for p in ("", "bots/getfiscal/", f"bots/{CYBORG}/", "accounts/dril/", "statistics/")] + [
    (p, 390) for p in ("", f"bots/{CYBORG}/", "accounts/dril/")  # the phone layouts: blocks instead of tables
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("path", "width"), AXE_PAGES)
def test_axe_finds_no_violation_of_ours(visit, path, width, scheme):
    page, _ = visit(path, viewport={"width": width, "height": 900}, color_scheme=scheme)
    assert page.get_attribute("body", "data-md-color-scheme") == ("slate" if scheme == "dark" else "default")
    assert axe_violations(page) == []


def test_axe_sees_a_violation_when_there_is_one(visit):
    """The check above can fail: a grey-on-grey paragraph is reported."""
    page, _ = visit("about/")
    page.evaluate(
        "document.querySelector('article').insertAdjacentHTML('afterbegin',"
        " '<p id=\"bad\" style=\"color:#aaa;background:#bbb\">hard to read</p>')"
    )
    assert any(v.startswith("color-contrast") and "#bad" in v for v in axe_violations(page))


@pytest.mark.parametrize("path", ["bots/getfiscal/", f"bots/{CYBORG}/", "accounts/dril/"])
def test_bot_and_account_pages_need_no_sideways_scrolling_on_a_phone(visit, path):
    page, _ = visit(path, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # nor inside the training table's own scroll box: every figure is on screen
    assert page.eval_on_selector_all(".ht-scroll", "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length") == 0
    if path.startswith("bots/"):
        kept = page.locator(".ht-table td[data-label='Tweets kept']").first
        box = kept.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_skip_link_moves_focus_past_the_header(visit):
    page, _ = visit(f"bots/{CYBORG}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('ht-skip')")
    assert page.locator(".ht-skip").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "ht-content"
    page.keyboard.press("Tab")  # the next stop is in the page's content, not the header
    assert page.evaluate("!!document.activeElement.closest('.md-content')")


def test_gallery_search_field_shows_where_the_focus_is(visit):
    page, _ = visit("")
    field = page.locator(".ht-controls input[name=search]")
    before = field.evaluate("e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth")
    field.focus()
    after = field.evaluate("e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]")
    assert after[0] != "none" and after[1] >= 2, (before, after)


@pytest.mark.parametrize("path", ["accounts/", "data/", "about/", "statistics/"])
def test_pages_without_a_section_get_no_sidebar_and_share_the_gallery_left_edge(visit, path):
    page, _ = visit(path, viewport={"width": 1366, "height": 900})
    assert page.locator(".md-sidebar--primary").is_hidden()
    x = page.locator("article.md-content__inner h1").bounding_box()["x"]
    gallery, _ = visit("", viewport={"width": 1366, "height": 900})
    assert abs(x - gallery.locator("article.md-content__inner h1").bounding_box()["x"]) <= 1


def test_404_buttons_do_not_touch_on_a_phone(browser, served_site):
    context, page, watch = _open(browser, served_site, viewport={"width": 390, "height": 844}, is_mobile=True)
    watch.expected_404 = True
    page.goto(served_site + "no/such/page/")
    boxes = [page.locator(".md-button").nth(i).bounding_box() for i in range(2)]
    context.close()
    a, b = sorted(boxes, key=lambda r: (r["y"], r["x"]))
    apart = b["y"] - (a["y"] + a["height"]) if b["y"] >= a["y"] + a["height"] else b["x"] - (a["x"] + a["width"])
    assert apart >= 8, boxes
