"""Rendering: escaping per context, safe output paths, collisions, ordering."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from mkdocs.utils.meta import get_data

from generator import publish, render, site, stats
from generator.errors import BuildError, OutputCollisionError
from generator.models import Bot, HubMeta, User

from .factories import make_bot

EVIL = '<script>alert("x")</script> "q" \'s\' & {{ 7*7 }} {% if %}'
EVIL_PROMPT = 'say "hi"\n```\n<script>alert(1)</script> {{ x }}'


def hostile_bot() -> Bot:
    return make_bot(
        "evil-other",
        users=(
            User("evil", EVIL, "javascript:alert(1)", 10, 1, 2, 7),
            User(None, "---\ntitle: owned\n---", None, 5, 1, 1, 3),
        ),
        widget_prompt=EVIL_PROMPT,
        wandb_preprocess="javascript:alert(2)",
        wandb_train="//evil.example/run",
        problems=("table cell <img src=x onerror=alert(1)> unreadable",),
        hub=HubMeta(created_at="2023-06-01T00:00:00.000Z", downloads=5),
    )


NO_IMAGES = render.Images(thumbs={}, avatars={})


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A real MkDocs build of the hostile bot and a plain one (no thumbnails needed)."""
    tmp = tmp_path_factory.mktemp("hostile")
    docs, out = tmp / "docs", tmp / "site"
    site.stage_docs(docs)
    bots = [hostile_bot(), make_bot("plain", hub=HubMeta(created_at="2023-01-01T00:00:00Z"))]
    render.render_docs(bots=bots, docs_dir=docs, images=NO_IMAGES)
    site.run_mkdocs(docs_dir=docs, out_dir=out)
    return docs, out


def test_hostile_values_are_text_in_every_html_context(hostile_site):
    _, out = hostile_site
    page = BeautifulSoup((out / "bots/evil-other/index.html").read_text(encoding="utf-8"), "html.parser")
    # The name is shown as text, exactly, and makes no element.
    assert page.find("h1").get_text() == f"{EVIL} & ---\ntitle: owned\n---"
    assert all(s.get("src", "").startswith(("../../assets/", "../../search/")) or s.get("id") == "__config"
               or not s.get_text(strip=True) or "alert" not in s.get_text() for s in page.find_all("script"))  # fmt: skip
    assert not page.find("img", attrs={"onerror": True})
    # Attributes: Open Graph title round-trips; no javascript: or protocol-relative link anywhere.
    assert page.find("meta", property="og:title")["content"] == f"{EVIL} & --- title: owned --- (@evil-other)"
    hrefs = [a["href"] for a in page.find_all(href=True)] + [i["src"] for i in page.find_all(src=True)]
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "//"))]
    assert "W&B" not in page.get_text()  # both run URLs were unsafe: no run links at all
    # The usage snippet is a valid Python call whose string is the prompt, on one line.
    code = page.select_one(".highlight code").get_text()
    assert f"generator({json.dumps(EVIL_PROMPT, ensure_ascii=False)}, num_return_sequences=5)" in code
    assert page.find(string=lambda s: "onerror=alert(1)" in s)  # the problem text, as text
    # The title Material prints unescaped only ever holds the repo name.
    assert page.title.get_text() == "evil-other - huggingtweets gallery"


def test_hostile_values_in_gallery_account_front_matter_and_data(hostile_site):
    docs, out = hostile_site
    gallery = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    card = gallery.select_one("li.ht-card:has(.ht-badge--cyborg)")
    assert card.select_one(".ht-card__name").get_text().startswith(EVIL)
    # The gallery's data file holds the name as JSON text (the script only ever writes it as text).
    cards = json.loads((docs / "gallery.json").read_text(encoding="utf-8"))
    at = cards["name"].index("evil-other")
    assert cards["dn"][at].startswith(EVIL) and EVIL in (cards["s"][at] or cards["dn"][at])
    account = BeautifulSoup((out / "accounts/evil/index.html").read_text(encoding="utf-8"), "html.parser")
    assert EVIL in account.select_one("table").get_text()
    _, front = get_data((docs / "bots/evil-other.md").read_text(encoding="utf-8"))  # as MkDocs reads it
    assert front["og_title"] == f"{EVIL} & --- title: owned --- (@evil-other)" and front["title"] == "evil-other"
    data = json.loads((docs / "bots.json").read_text(encoding="utf-8"))
    assert data[0]["users"][0]["name"] == EVIL and data[0]["widget_prompt"] == EVIL_PROMPT
    rows = list(csv.DictReader(io.StringIO((docs / "bots.csv").read_text(encoding="utf-8"))))
    assert rows[0]["display_name"] == f"{EVIL} & ---\ntitle: owned\n---"
    feed = json.loads((docs / "feed.json").read_text(encoding="utf-8"))
    assert [i["url"] for i in feed["items"]] == ["bots/evil-other/", "bots/plain/"]


def test_unmapped_cyborg_column_is_listed_without_counts(hostile_site):
    docs, _ = hostile_site
    # @other's column has no handle: the account page lists the bot, with no numbers.
    page = BeautifulSoup((docs / "accounts/other.md").read_text(encoding="utf-8"), "html.parser")
    row = page.select_one("tbody tr")
    assert row.select_one("a")["href"] == "../../bots/evil-other/"
    assert "does not say which column is @other" in row.get_text()
    assert not any(c.isdigit() for td in row.select("td")[1:] for c in td.get_text())


def test_csv_neutralises_formulas_and_keeps_values():
    bot = make_bot("a", users=(User("a", "=HYPERLINK(\"http://x\")", None, 1, 0, 0, 1),), widget_prompt="+1")
    rows = list(csv.reader(io.StringIO(render.bots_csv([bot]))))
    assert rows[0] == list(render.CSV_FIELDS)
    record = dict(zip(rows[0], rows[1]))
    assert record["display_name"] == "'=HYPERLINK(\"http://x\")" and record["widget_prompt"] == "'+1"
    assert record["tweets_kept"] == "1" and record["downloads"] == ""


def test_http_url_only_accepts_absolute_http():
    assert render.http_url("https://wandb.ai/r") == "https://wandb.ai/r"
    assert render.http_url("http://x.org/a b") is None
    for bad in ("javascript:alert(1)", "JAVASCRIPT:x", "data:text/html,x", "//evil.org", "/local", "ftp://x", "", None):
        assert render.http_url(bad) is None


def test_paths_come_only_from_valid_names(tmp_path):
    assert render.bot_path("dril-kanyewest") == "bots/dril-kanyewest.md"
    assert render.account_path("dril") == "accounts/dril.md"
    for bad in ("../etc", "a/b", "a b", "", "x" * 300):
        with pytest.raises(BuildError):
            render.bot_path(bad)
    with pytest.raises(BuildError):
        render.account_path("dril-kanyewest")


def test_writer_refuses_a_second_write_to_one_path(tmp_path):
    w = render.Writer(tmp_path)
    w.write("bots/Dril.md", "a", owner="huggingtweets/Dril")
    with pytest.raises(OutputCollisionError, match="huggingtweets/dril and huggingtweets/Dril"):
        w.write("bots/dril.md", "b", owner="huggingtweets/dril")
    assert (tmp_path / "bots/Dril.md").read_text() == "a"


def test_publishable_skips_invalid_names_and_case_twins_with_a_reason():
    good, bad = make_bot("dril"), dataclasses.replace(make_bot("x"), name="../x", id="huggingtweets/../x")
    assert site.publishable([good, bad]) == [good]
    # A case twin no longer stops the build: the lower-case name keeps the page, the other is named.
    assert site.publishable([make_bot("Dril"), good]) == [good]
    _, skipped = publish.publishable([make_bot("Dril"), good])
    assert skipped == [
        "huggingtweets/Dril: not published: its name differs only in letter case from huggingtweets/dril, "
        "which has the page /bots/dril/"
    ]


def test_render_docs_refuses_case_twins_and_merges_accounts(tmp_path):
    # Bot pages differing only in case would share a URL; an account is one page whatever the case.
    with pytest.raises(OutputCollisionError, match="huggingtweets/ann and huggingtweets/Ann"):
        render.render_docs(bots=[make_bot("Ann"), make_bot("ann")], docs_dir=tmp_path, images=NO_IMAGES)
    render.render_docs(bots=[make_bot("Ann-b"), make_bot("ann-c")], docs_dir=tmp_path, images=NO_IMAGES)
    assert sorted(p.name for p in (tmp_path / "accounts").iterdir()) == ["ann.md", "b.md", "c.md", "index.md"]


def test_gallery_order_matches_sort_keys_with_missing_values_last():
    a = make_bot("a", hub=HubMeta(downloads=5, likes=1, created_at="2023-01-01T00:00:00Z"))
    b = make_bot("b", hub=HubMeta(downloads=50, created_at="2022-04-01T00:00:00Z", last_modified="2024-01-01T00:00:00Z"))
    c = make_bot("c", users=(User("c", "C", None, 10, 0, 0, 9000),))
    names = lambda key: [x.name for x in render.sort_bots([c, a, b], key=key)]  # noqa: E731
    assert names("downloads") == ["b", "a", "c"]
    assert names("likes") == ["a", "b", "c"]
    assert names("newest") == ["a", "b", "c"]
    assert names("updated") == ["b", "a", "c"]
    assert names("kept") == ["c", "a", "b"]
    assert names("name") == ["a", "b", "c"]


def test_clear_generated_keeps_hand_written_files(tmp_path):
    (tmp_path / "about.md").write_text("hand")
    render.render_docs(bots=[make_bot("a")], docs_dir=tmp_path, images=NO_IMAGES)
    render.render_docs(bots=[make_bot("b")], docs_dir=tmp_path, images=NO_IMAGES)
    assert (tmp_path / "about.md").read_text() == "hand"
    assert sorted(p.name for p in (tmp_path / "bots").iterdir()) == ["b.md"]
    assert not (tmp_path / "accounts/a.md").exists()


def test_cached_avatars_are_copied_and_shown_never_hot_linked(tmp_path):
    from generator.thumbnails import avatar_cache_stem

    url = "https://pbs.twimg.com/profile_images/1/a_400x400.jpg"
    cache = tmp_path / "cards/.avatars"
    cache.mkdir(parents=True)
    (cache / f"{avatar_cache_stem(url)}.jpg").write_bytes(b"\xff\xd8jpeg")
    with_cache = make_bot("a", users=(User("a", "Ann", url, 1, 0, 0, 1),))
    without = make_bot("b", users=(User("b", "Bo", "https://pbs.twimg.com/profile_images/2/b.jpg", 1, 0, 0, 1),))
    out = tmp_path / "docs/img/avatars"
    out.mkdir(parents=True)
    (out / "stale.jpg").write_bytes(b"old")
    copied = site.copy_avatars([with_cache, without], avatars_dir=cache, out_dir=out)
    assert list(copied) == [url] and sorted(p.name for p in out.iterdir()) == [f"{avatar_cache_stem(url)}.jpg"]
    images = render.Images(thumbs={}, avatars={url: f"img/avatars/{copied[url].name}"})
    render.render_docs(bots=[with_cache, without], docs_dir=tmp_path / "docs", images=images)
    a = BeautifulSoup((tmp_path / "docs/bots/a.md").read_text(encoding="utf-8"), "html.parser")
    assert a.select_one(".ht-faces img")["src"] == f"../../img/avatars/{copied[url].name}"
    b = BeautifulSoup((tmp_path / "docs/bots/b.md").read_text(encoding="utf-8"), "html.parser")
    assert not b.select(".ht-faces img") and b.select_one(".ht-face--initials").get_text() == "B"
    assert not [t for t in a.find_all(src=True) + b.find_all(src=True) if "twimg" in t["src"]]


def test_mkdocs_warnings_fail_the_build_strictly(tmp_path):
    docs = tmp_path / "docs"
    site.stage_docs(docs)
    render.render_docs(bots=[make_bot("a")], docs_dir=docs, images=NO_IMAGES)
    (docs / "about.md").write_text("# About\n\n[gone](missing.md)\n", encoding="utf-8")
    with pytest.raises(BuildError, match="mkdocs could not build"):
        site.run_mkdocs(docs_dir=docs, out_dir=tmp_path / "site")


def test_front_matter_is_the_same_text_whichever_yaml_emitter_writes_it(monkeypatch):
    import yaml

    from generator.render import escape

    from .test_thumbnails import HARD_NAMES

    texts = ["---", "a: b", "#x", "yes", "null", "1e3", "'q'", '"dq"', " lead", "trail ", "x\u2028y", "\ufeff",
             "\u00a0nb", "%", "@at", "`", "{a}", "[b]", "*star", "!bang", "|", ">", "-", "? q", "a #b", "a: ",
             "~", "\x85", "\U0001f600 emoji", "plain words", *HARD_NAMES]  # fmt: skip
    metas = [{"title": t, "og_title": f"{t} (@x)", "description": t * 3, "hide": ["navigation", "toc"],
              "search": {"exclude": True}, "n": 3} for t in texts]  # fmt: skip
    fast = [escape.front_matter(m) for m in metas]
    monkeypatch.setattr(escape, "_CDumper", None)
    assert [escape.front_matter(m) for m in metas] == fast
    assert all(yaml.safe_load(f[4:-6]) == m for f, m in zip(fast, metas) if "\x85" not in m["title"])
