"""No single card, meta.json or snapshot entry can stop, stall or corrupt the build (issue 8, build side).

Each case is a named fixture: small ones are committed under
``tests/fixtures/hostile/<case>/``, large or special ones (deep nesting,
megabytes, FIFOs, links) are made by the function of that name in
:mod:`tests.hostile`. Every test asserts the one problem the case becomes and
that the rest of the card is still read; the last test builds them all
beside the real seed cards and checks every good bot is published.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import budget, charts, publish, render, snapshot, style, thumbnails, validate
from generator.thumbnails import canvas, card
from generator.models import Bot, HubMeta, User
from generator.normalise import UNMAPPED, normalise_paths, normalise_source
from generator.recover import NameSource, resolve_names
from generator.snapshot import CardSource, iter_sources

from . import hostile
from .conftest import ROOT

COMMITTED = hostile.COMMITTED


def one(path: Path) -> Bot:
    (bot,) = normalise_paths([path], jobs=1)
    return bot


def counts(bot: Bot) -> tuple[int | None, ...]:
    u = bot.users[0]
    return (u.tweets_downloaded, u.retweets, u.short_tweets, u.tweets_kept)


# --- values out of bounds: one problem, the rest of the card still used -----------------


def test_a_twenty_digit_count_is_left_out_and_the_other_counts_kept():
    bot = one(COMMITTED / "hugecount")
    assert counts(bot) == (3247, 34, 501, None)
    assert bot.problems == ("tweets kept of user 1 is 99999999999999999999, over the bound of 10,000,000",)
    assert bot.users[0].name == "Hostile hugecount" and bot.widget_prompt == "My dream is"


def test_a_5000_digit_cell_makes_only_that_value_unreadable():
    bot = one(COMMITTED / "longcell")
    assert counts(bot) == (3247, None, 501, 2712)
    (problem,) = bot.problems
    assert problem.startswith("retweets of user 1 is not a number: '7777") and "(5,000 characters)" in problem
    assert len(problem) < 120


def test_huge_integers_in_meta_json_are_left_out_not_fatal():
    huge, digits = one(COMMITTED / "metahuge"), one(COMMITTED / "metadigits")
    assert (huge.hub.downloads, huge.hub.likes) == (None, 3)
    assert huge.problems == ("meta.json downloads is a 401-digit number, not read",)
    assert (digits.hub.downloads, digits.hub.likes) == (12, None)
    assert digits.problems == ("meta.json likes is a 5,000-digit number, not read",)
    assert counts(huge) == (3247, 34, 501, 2712)  # the card itself is whole


def test_lone_surrogates_in_meta_json_are_left_out_and_the_record_encodes():
    bot = one(COMMITTED / "metasurrogate")
    assert bot.hub.pipeline_tag is None and bot.hub.tags == ("huggingtweets",) and bot.hub.downloads == 5
    assert any("lone surrogate" in p for p in bot.problems)
    json.dumps(bot.to_dict(), ensure_ascii=False).encode("utf-8")  # raised UnicodeEncodeError before


def test_bad_dates_in_meta_json_are_absent_not_shown():
    bot = one(COMMITTED / "metadates")
    assert (bot.hub.created_at, bot.hub.last_modified) == (None, None)
    assert "meta.json createdAt is not a date: 'not a date'" in bot.problems
    assert any("'9999-12-31T23:59:59.000Z' is outside 2000-2100" in p for p in bot.problems)
    # Outside git the snapshot's date comes from the data: never the year 9999.
    assert snapshot.data_date([bot]) == "2021-04-06"  # the thumbnail's date


def test_a_thumbnail_time_past_the_date_bounds_is_absent():
    bot = one(COMMITTED / "futurethumb")
    assert bot.thumbnail.endswith("/99999999999999/predictions.png") and bot.thumbnail_date is None
    assert bot.problems == ("thumbnail time 99999999999999 (ms since 1970) is outside 2000-2100",)


def test_a_display_name_over_the_bound_is_left_out():
    bot = one(COMMITTED / "longname")
    assert bot.users[0].name is None and counts(bot) == (3247, 34, 501, 2712)
    assert bot.problems == ("display name of user 1 is 300 characters, over the bound of 200",)


def test_a_surrogate_escape_in_the_front_matter_is_a_yaml_problem():
    bot = one(COMMITTED / "surrogateprompt")
    assert any(p.startswith("front matter is not valid YAML") for p in bot.problems)
    assert counts(bot) == (3247, 34, 501, 2712)


def test_a_prompt_over_the_bound_is_left_out(tmp_path):
    bot = one(tmp_path / hostile.long_prompt(tmp_path))
    assert bot.widget_prompt is None and counts(bot) == (3247, 34, 501, 2712)
    assert bot.problems == ("widget prompt is 30,000 characters, over the bound of 500",)


def test_checker_bounds():
    check = validate.Checker()
    assert check.count("10,000,000", what="a") == validate.MAX_COUNT
    assert check.count("10000001", what="b") is None
    assert check.count("-5", what="c") is None and check.count("1e3", what="d") is None
    assert check.hub_count(True, what="e") is None and check.hub_count(-1, what="f") is None
    assert check.hub_count(validate.MAX_HUB_COUNT, what="g") == validate.MAX_HUB_COUNT
    assert check.date("1999-12-31", what="h") is None and check.date("2000-01-01", what="i") == "2000-01-01"
    assert check.text("x" * 11, what="j", limit=10) is None and check.text("\ud800", what="k", limit=10) is None
    assert [p.split(" ")[0] for p in check.problems] == list("bcdefhjk")


# --- parse budget: a card over it becomes a record with its problem -----------------------


def test_front_matter_nested_22000_deep_cannot_crash_the_process(tmp_path):
    # In a child process: libyaml's CSafeLoader segfaulted (exit 139) on this card.
    names = [hostile.deep_yaml(tmp_path), hostile.deep_yaml_block(tmp_path)]
    code = (
        "import sys, json; from generator.normalise import normalise_paths; "
        "print(json.dumps([b.problems for b in normalise_paths(sys.argv[1:], jobs=1)]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *(str(tmp_path / n) for n in names)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    problems = json.loads(run.stdout)
    assert problems[0] == ["front matter nests deeper than 64 levels"]
    assert any("front matter" in p for p in problems[1])


def test_yaml_budget_counts_nodes_and_depth():
    # The top-level mapping is one level, so 63 lists inside it are exactly the bound.
    assert budget.over_yaml_budget("a: " + "[" * 63 + "]" * 63) is None
    assert budget.over_yaml_budget("a: " + "[" * 64 + "]" * 64) == "front matter nests deeper than 64 levels"
    assert budget.over_yaml_budget("[" + ", ".join(["1"] * 20_000) + "]") == "front matter has more than 2,000 YAML nodes"
    assert budget.over_yaml_budget("[" + ", ".join(["1"] * 1_000) + "]") is None


def test_nested_divs_are_over_the_budget(tmp_path):
    deep, nested = one(tmp_path / hostile.deep_divs(tmp_path)), one(tmp_path / hostile.nested_divs(tmp_path))
    assert deep.problems == ("card is 255,801 bytes, over the 65,536-byte budget; not read",)
    assert nested.problems == ("HTML nests deeper than 64 levels (5000); card not read",)
    assert nested.users[0].name is None  # the record exists, with its problem
    flat = "<b>x</b>" * (budget.MAX_HTML_TAGS // 2 + 1)
    assert budget.over_html_budget(flat) == "more than 500 HTML tags (502); card not read"
    assert budget.over_html_budget(flat[8:]) is None


def test_120_ampersand_parts_are_over_the_split_budget(tmp_path):
    # The split search would try 182,637,273 cuts (577 s); over budget it tries none, and the
    # table's header, whose six cells are unambiguous here, names the columns.
    joined = " & ".join(["R"] * 120)
    table = " | ".join([" & ".join(["R"] * 20)] * 6)
    names, problems = resolve_names([NameSource("header", joined, " & "), NameSource("table", table, " | ")], 6)
    assert names is None and problems == [
        "cannot split the display names: 120 '&'-separated parts for 6 handles is more than 3,003 ways to try"
    ]
    twelve = " & ".join(["R"] * 12)  # 462 ways: searched (and ambiguous)
    assert resolve_names([NameSource("header", twelve, " & ")], 6) == (None, [f"cannot split the display names {twelve!r} into 6"])
    bot = one(tmp_path / hostile.ampersands(tmp_path))
    assert [u.name for u in bot.users] == [" & ".join(["R"] * 20)] * 6
    assert all(u.tweets_kept == 100 for u in bot.users)
    assert bot.problems == (UNMAPPED,)


def test_cards_over_the_size_or_line_budget_are_not_parsed(tmp_path):
    rows, prompt = one(tmp_path / hostile.many_rows(tmp_path)), one(tmp_path / hostile.huge_prompt(tmp_path))
    assert rows.problems == ("README.md is 1,791,691 bytes, over the 262,144-byte limit; not read",)
    assert prompt.problems[0].startswith("README.md is 1,05") and prompt.widget_prompt is None
    lines = b"---\n---\n" + b"\n" * budget.MAX_CARD_LINES
    big = normalise_source(CardSource("x", b"x" * (budget.MAX_CARD_BYTES + 1), {}, Path("x")))
    assert big.problems == ("card is 65,537 bytes, over the 65,536-byte budget; not read",)
    assert normalise_source(CardSource("x", lines, {}, Path("x"))).problems == (
        f"card has {budget.MAX_CARD_LINES + 3:,} lines, over the {budget.MAX_CARD_LINES:,}-line budget; not read",
    )


def test_a_huge_paragraph_with_the_wandb_links_is_not_inline_parsed():
    card = hostile.seed_card("emph").replace(
        "Hyperparameters and metrics are recorded in the", "*_" * 30_000 + " Hyperparameters and metrics are recorded in the"
    )
    bot = normalise_source(CardSource("emph", card.encode(), {}, Path("emph")))
    assert bot.problems == (
        "a paragraph with the W&B links is 60,162 characters, over the 2,048-character budget; its links are not read",
    )
    assert bot.wandb_train is None and bot.wandb_preprocess == "https://wandb.ai/wandb/huggingtweets/runs/3dqfesxb"


def test_stray_rows_are_capped_and_summarised(tmp_path):
    bot = one(tmp_path / hostile.extra_rows(tmp_path))
    assert len(bot.problems) == validate.MAX_PROBLEMS
    assert bot.problems[0] == "unexpected data table row 'R0'"
    assert bot.problems[-1] == "881 more problems not listed"
    assert counts(bot) == (3247, 34, 501, 2712)


# --- the snapshot reader ---------------------------------------------------------------------


def test_reader_never_follows_links_out_nor_opens_special_files(tmp_path):
    cards = tmp_path / "cards"
    cards.mkdir()
    made = [f(cards) for f in (hostile.dev_zero, hostile.fifo, hostile.link_outside, hostile.folder_outside, hostile.link_inside)]
    start = time.monotonic()
    sources = {s.name: s for s in iter_sources([cards])}
    assert time.monotonic() - start < 30  # a FIFO read would block forever (hang guard, not a benchmark)
    assert sorted(sources) == sorted(made)
    assert sources["devzero"].readme is None and sources["devzero"].problems == ("README.md is a link out of the snapshot; not read",)
    assert sources["fifocard"].readme is None and sources["fifocard"].problems == ("README.md is not a regular file; not read",)
    assert sources["linkout"].readme is None and "link out of the snapshot" in sources["linkout"].problems[0]
    assert sources["dirout"].readme is None and sources["dirout"].problems == ("dirout is a link out of the snapshot; not read",)
    assert sources["linkin"].readme is not None and not sources["linkin"].problems  # inside: the snapshot's own file
    assert all(hostile.SECRET.encode() not in (s.readme or b"") for s in sources.values())


def test_read_bounded_reads_no_more_than_its_limit(tmp_path):
    big = tmp_path / "README.md"
    big.write_bytes(b"x" * 100)
    assert snapshot.read_bounded(big, root=tmp_path, limit=100) == b"x" * 100
    with pytest.raises(snapshot._Refused, match="100 bytes, over the 99-byte limit"):
        snapshot.read_bounded(big, root=tmp_path, limit=99)
    os.mkfifo(tmp_path / "pipe.md")
    assert [s.problems for s in iter_sources([tmp_path / "pipe.md"])] == [("pipe.md is not a regular file; not read",)]


def test_a_cached_avatar_counts_only_as_a_regular_file_inside_the_cache(tmp_path):
    avatars, outside = tmp_path / "cards" / ".avatars", tmp_path / "outside.jpg"
    avatars.mkdir(parents=True)
    outside.write_bytes(hostile.SECRET.encode())
    stem = snapshot.avatar_cache_stem
    (avatars / f"{stem('https://a/ok.jpg')}.jpg").write_bytes(b"\xff\xd8 a jpeg")
    os.symlink(outside, avatars / f"{stem('https://a/out.jpg')}.jpg")
    os.mkfifo(avatars / f"{stem('https://a/fifo.jpg')}.jpg")
    (avatars / f"{stem('https://a/big.jpg')}.jpg").write_bytes(b"x" * (snapshot.MAX_AVATAR_BYTES + 1))
    assert snapshot.avatar_cache_path(avatars, "https://a/ok.jpg") is not None
    for url in ("https://a/out.jpg", "https://a/fifo.jpg", "https://a/big.jpg"):
        assert snapshot.avatar_cache_path(avatars, url) is None, url


def test_a_loose_readme_among_loose_cards_keeps_every_card():
    sources = list(iter_sources([hostile.LOOSE_WITH_README]))
    assert [s.name for s in sources] == ["README", "alpha", "charlie"]
    assert [s.rel for s in sources] == ["README.md", "alpha.md", "charlie.md"]
    kept, skipped = publish.publishable(normalise_paths([hostile.LOOSE_WITH_README], jobs=1))
    assert [b.name for b in kept] == ["alpha", "charlie"]
    assert skipped == ["huggingtweets/README: not published: 'README' is a reserved name (bots/README would be the folder's own page, not a bot's)"]


# --- publishable names ------------------------------------------------------------------------


def test_unpublishable_names_are_skipped_with_a_reason_naming_both_ids():
    bots = normalise_paths([COMMITTED, hostile.SEEDS], jobs=1)
    kept, skipped = publish.publishable(bots)
    names = {b.name for b in kept}
    assert not names & set(hostile.UNPUBLISHABLE) and "getfiscal" in names
    assert len(skipped) == len(hostile.UNPUBLISHABLE)
    for name, other in hostile.UNPUBLISHABLE.items():
        (line,) = [s for s in skipped if s.startswith(f"huggingtweets/{name}: not published: ")]
        assert other is None or other in line
    # Case twins: the lower-case name is kept whatever the order they are read in.
    twins = [b for b in bots if b.name.casefold() == "getfiscal"]
    assert [b.name for b in publish.publishable(twins[::-1])[0]] == ["getfiscal"]


def test_the_same_card_read_twice_is_published_once():
    bots = normalise_paths([hostile.SEEDS / "annhertzz", hostile.SEEDS / "annhertzz"], jobs=1)
    kept, skipped = publish.publishable(bots)
    assert len(kept) == 1 and skipped == [
        "huggingtweets/annhertzz: not published: read twice (from annhertzz and annhertzz); the first is kept"
    ]


# --- what is drawn -------------------------------------------------------------------------------


def test_histogram_bins_are_bounded_whatever_the_counts(tmp_path):
    with pytest.raises(ValueError, match="MAX_BINS"):
        charts.histogram(out=tmp_path / "x.svg", title="t", values=[1], bins=list(range(charts.MAX_BINS + 2)), xlabel="x")
    users = tuple(User(f"h{i}", "n", None, validate.MAX_COUNT, 0, 0, validate.MAX_COUNT) for i in range(6))
    bot = Bot(id="huggingtweets/h0-h1-h2-h3-h4-h5", name="h0-h1-h2-h3-h4-h5", handles=tuple(f"h{i}" for i in range(6)),
              kind="cyborg", users=users, era="unknown", template=None, thumbnail=None, thumbnail_date=None,
              widget_prompt=None, wandb_preprocess=None, wandb_train=None)  # fmt: skip
    writer = render.Writer(tmp_path)
    render.write_statistics(bots=[bot], writer=writer, snapshot_date=None)
    page = (tmp_path / "statistics" / "index.md").read_text(encoding="utf-8")
    section = page.split('id="tweets-kept-chart"', 1)[1].split("</table>", 1)[0]
    assert 1 <= section.count("<tr>") - 1 <= charts.MAX_BINS


@given(top=st.integers(0, 10**30), step=st.sampled_from([1, 10, 500]))
@settings(max_examples=50, deadline=None)
def test_bin_edges_always_cover_the_top_in_few_bins(top, step):
    edges = charts.bin_edges(top, step=step)
    assert 1 <= len(edges) - 1 <= charts.MAX_BINS and edges[0] == 0 and edges[-1] >= top
    assert len({b - a for a, b in zip(edges, edges[1:])}) == 1


def test_a_megabyte_prompt_is_never_measured_whole(monkeypatch):
    measured: list[int] = []
    real = canvas._text_width

    def spy(s: str, px: float, weight: str) -> float:
        measured.append(len(s))
        return real(s, px, weight)

    monkeypatch.setattr(canvas, "_text_width", spy)
    bot = dataclasses.replace(
        normalise_source(CardSource("annhertzz", (hostile.SEEDS / "annhertzz" / "README.md").read_bytes(), {}, Path("a"))),
        widget_prompt="dream " * 175_000,
    )
    with style.mpl_style():
        png = thumbnails._draw(card._card(bot, None, {"annhertzz": ["and " * 250_000]}))
    assert png.startswith(b"\x89PNG")
    assert measured and max(measured) <= style.MAX_DRAWN_CHARS + 1


# --- property: random damage to the real seed cards ------------------------------------------------

SEED_BYTES = [(p.name, (p / "README.md").read_bytes()) for p in sorted(hostile.SEEDS.iterdir())]
#: The bound under test: the longest any damaged card may take to normalise.
MAX_SECONDS_A_CARD = 1.0


@st.composite
def damaged(draw) -> tuple[str, bytes, dict]:
    name, data = draw(st.sampled_from(SEED_BYTES))
    text = data.decode("utf-8")
    kind = draw(st.sampled_from(["yaml", "html", "number", "name", "bytes", "lines", "meta", "inline"]))
    depth = draw(st.integers(1, 30_000))
    if kind == "yaml":
        text = text.replace("tags:", "x: " + draw(st.sampled_from("[{")) * depth + "\ntags:", 1)
    elif kind == "html":
        text = text.replace("<div", draw(st.sampled_from(["<div>", "<span>", "<table><tr><td>", "<b"])) * depth + "<div", 1)
    elif kind == "number":
        digits = draw(st.sampled_from(["9" * depth, str(10**40), "-1", "1e400", "٣٢٤٧", "0x10"]))
        text = re.sub(r"\| (\d+) \|", lambda m: f"| {digits} |", text, count=draw(st.integers(1, 4)))
    elif kind == "name":
        long = draw(st.text(min_size=1, max_size=20)) * draw(st.integers(1, 5_000))
        text = re.sub(r"(font-weight: 800\">)([^<]*)(</div>\s*<div style=\"(?:text-align: center; )?font-size: 1[45]px)",
                      lambda m: m.group(1) + long.replace(" ", " & ") + m.group(3), text)  # fmt: skip
    elif kind == "inline":  # hostile emphasis and links in the paragraph whose W&B link is read
        junk = draw(st.sampled_from(["*_", "[", "](", "`", "<", "**a", "![x]("])) * (depth % 20_000)
        text = text.replace("Hyperparameters and metrics", junk + " Hyperparameters and metrics", 1)
    elif kind == "lines":
        text = text.replace("| Tweets kept", "| x | 1 |\n" * (depth % 1_500) + "| Tweets kept", 1)
    raw = text.encode("utf-8", "surrogatepass")
    if kind == "bytes":
        for _ in range(draw(st.integers(1, 20))):
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.binary(min_size=1, max_size=50)) + raw[at:]
    meta: dict = {"id": f"huggingtweets/{name}"}
    if kind == "meta":
        odd = st.one_of(st.integers(-(10**500), 10**500), st.floats(), st.text(), st.booleans(), st.none(),
                        st.lists(st.text(), max_size=5))  # fmt: skip
        for key in ("downloads", "likes", "createdAt", "lastModified", "tags", "sha", "pipeline_tag"):
            meta[key] = draw(odd)
    return name, raw, meta


@given(case=damaged())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_normalise_never_raises_and_stays_under_a_second_a_card(case):
    name, raw, meta = case
    start = time.perf_counter()
    bot = normalise_source(CardSource(name, raw, meta, Path(name), rel=name))  # not the batch's safety net
    seconds = time.perf_counter() - start
    assert seconds < MAX_SECONDS_A_CARD, f"{name} took {seconds:.2f} s"
    assert len(bot.problems) <= validate.MAX_PROBLEMS
    assert all(len(p) <= validate.MAX_PROBLEM_CHARS for p in bot.problems)
    json.dumps(bot.to_dict(), ensure_ascii=False, allow_nan=False).encode("utf-8")
    for u in bot.users:
        assert all(v is None or 0 <= v <= validate.MAX_COUNT for v in u.counts().values())


# --- the same snapshot, the same bytes -----------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_the_same_cards_from_two_paths_build_byte_identical_sites(tmp_path, monkeypatch):
    from generator.site import build

    monkeypatch.delenv("GALLERY_SNAPSHOT_DATE", raising=False)
    monkeypatch.setenv("GALLERY_SITE_URL", "https://example.org/gallery/")  # a sitemap with dates
    sites = []
    for where in ("one/place", "an/other/much/longer/place"):
        cards = tmp_path / where / "cards"
        shutil.copytree(hostile.SEEDS, cards)
        build(cards=[cards], out_dir=tmp_path / where / "site", jobs=1, docs_dir=tmp_path / where / "docs")
        sites.append(tree(tmp_path / where / "site"))
    assert sites[0].keys() == sites[1].keys()
    differ = [rel for rel in sites[0] if sites[0][rel] != sites[1][rel]]
    assert not differ, f"outputs differ between the two paths: {differ[:10]}"
    published = json.loads(sites[0]["bots.json"])
    assert [b["source"] for b in published] == sorted(p.name for p in hostile.SEEDS.iterdir())
    assert str(tmp_path).encode() not in b"".join(sites[0].values())
    # MkDocs stamps the sitemap with the snapshot's date, not the day it ran.
    assert b"<lastmod>2021-10-31</lastmod>" in sites[0]["sitemap.xml"]


# --- done when: every hostile case beside the seed cards, one build -----------------------------------


@pytest.mark.slow
def test_build_with_every_hostile_case_beside_the_seeds_publishes_every_good_bot(tmp_path):
    cards = tmp_path / "cards"
    generated = hostile.hostile_snapshot(cards)
    out, project = tmp_path / "site", tmp_path / "project"
    # The real command; GALLERY_PROJECT points it at a copy of mkdocs.yml and docs/, so it writes nothing here.
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("img"))
    shutil.copy2(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    paths = [cards, hostile.SEEDS, hostile.LOOSE_WITH_README]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERY_")} | {"GALLERY_PROJECT": str(project)}
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--cards", *map(str, paths), "--out", str(out), "--jobs", "2"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
    )  # fmt: skip
    seconds = time.monotonic() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"hostile build: {seconds:.1f} s, peak {peak_mb:.0f} MB")  # shown with -s; figures, not bounds
    assert run.returncode == 0, run.stderr[-3000:]
    assert peak_mb < 3 * 1024

    good = [p.name for p in hostile.SEEDS.iterdir()] + ["alpha", "charlie"]
    published = [p.name for p in COMMITTED.iterdir() if p.name not in hostile.UNPUBLISHABLE] + generated
    for name in good + published:
        assert (out / "bots" / name / "index.html").is_file(), name
    for name in hostile.UNPUBLISHABLE:
        assert re.search(rf"^huggingtweets/{re.escape(name)}: not published: ", run.stderr, re.M), name
        assert not (out / "bots" / name).exists() or name.casefold() == "getfiscal"
    # The seed cards read exactly as they do alone: no hostile neighbour changes them.
    alone = {b.name: b.to_dict() for b in normalise_paths([hostile.SEEDS], jobs=1)}
    data = {b["name"]: b for b in json.loads((out / "bots.json").read_text(encoding="utf-8"))}
    assert {n: data[n] for n in alone} == alone
    assert set(data) == set(good + published)

    # Every page the gallery links exists.
    gallery = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {urlsplit(a["href"]).path for a in gallery.find_all("a", href=True) if not urlsplit(a["href"]).scheme}
    missing = [h for h in links if h and not ((out / unquote(h)).is_file() or (out / unquote(h) / "index.html").is_file())]
    assert not missing and any(h.startswith("bots/") for h in links)

    everything = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert hostile.SECRET.encode() not in everything
    # Outside git the snapshot's date is the newest date in the data, and dates are range-checked.
    days = set(re.findall(rb"snapshot of (\d{4}-\d{2}-\d{2})", everything))
    assert days == {b"2021-10-31"}
    page = (out / "bots" / "metadates" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<dt>Updated</dt>\s*<dd[^>]*>([^<]*)</dd>", page).group(1) == "unknown"  # was "not a dat"
    assert str(tmp_path).encode() not in everything
