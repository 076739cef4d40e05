"""The data-quality page: every problem the reader reports has a kind, each kind lists its
bots (linked), and every bot page links each of its problems to its kind."""

from __future__ import annotations

import dataclasses
import re

import pytest
from bs4 import BeautifulSoup

from generator import quality, render
from generator.render.quality import PATH

from . import real_cards as rc

NO_IMAGES = render.Images(thumbs={}, avatars={})


@pytest.fixture(scope="module")
def bots():
    return sorted(rc.read_all().values(), key=lambda b: b.name)


def test_every_problem_the_real_cards_raise_has_a_kind(bots):
    unsorted = sorted({p for b in bots for p in b.problems if quality.kind_of(p) is quality.OTHER})
    assert unsorted == []


def test_kinds_say_what_became_of_the_value():
    cases = {
        "display name of user 1 repaired from ISO-8859-7 mojibake ftfy left: 'x' -> 'y'": ("mojibake-repaired", "repaired"),
        "counts recovered from a table rendered to text": ("counts-recovered", "recovered"),
        "header recovered from plain lines (its HTML was stripped)": ("header-recovered", "recovered"),
        "display names disagree: the sentence says 'A'; kept the header's": ("names-disagree", "doubtful"),
        "display name of user 2 still looks like Windows-1252 mojibake after repair: 'å±±' (may be '山')": ("mojibake-doubtful", "doubtful"),
        "display name of user 2 lost to ISO-8859-7 mojibake (bytes dropped): 'πŸπŸ—Ό'": ("mojibake-lost", "unknown"),
        "W&B training run id is unknown (XXXXXXXX in the card)": ("wandb-unknown", "unknown"),
        "tweets downloaded (1) != retweets + short tweets + tweets kept (3) for user 1": ("broken-invariant", "doubtful"),
        "something nobody has seen": ("other", "doubtful"),
    }
    for problem, (kid, outcome) in cases.items():
        kind = quality.kind_of(problem)
        assert (kind.id, kind.outcome) == (kid, outcome), problem
    assert len({k.id for k in quality.KINDS}) == len(quality.KINDS)


def test_the_same_problem_of_different_cards_is_one_kind():
    # The build's summary counts by these kinds too (generator/site.py), so one classifier serves both.
    groups = {
        "columns-vs-handles": ["data table has 3 value columns for 2 handles", "data table has 4 value columns for 6 handles"],
        "invalid-name": [
            "'not a name' is not a valid repo name (Twitter handles joined with '-')",
            "'x.y' is not a valid repo name (Twitter handles joined with '-')",
        ],
        "handle-mismatch": ["header names @kanyewest, the repo is dril", "header names @a, the repo is b"],
        "columns-unmapped": [
            "cannot tell which table column is which handle (columns follow the typed order, the repo id is sorted)",
            "cannot tell which table column is which handle (columns follow the typed order, the repo id is sorted): mapped 1 of 3",
        ],
        "out-of-bounds": [
            "tweets kept of user 1 is 99999999999999999999, over the bound of 10,000,000",
            "meta.json downloads is a 401-digit number, not read",
            "meta.json lastModified '9999-12-31T23:59:59.000Z' is outside 2000-2100",
        ],
        "card-refused": ["card is 255,801 bytes, over the 65,536-byte budget; not read", "README.md is not a regular file; not read"],
        "samples-unreadable": ["samples.json is a symbolic link; not read"],
    }
    assert {kid: {quality.kind_of(p).id for p in problems} for kid, problems in groups.items()} == {k: {k} for k in groups}


def test_the_page_lists_per_kind_how_many_bots_and_which(bots, tmp_path):
    render.render_docs(bots=bots, docs_dir=tmp_path, images=NO_IMAGES, snapshot_day="2024-01-01")
    page = BeautifulSoup((tmp_path / PATH).read_text(encoding="utf-8"), "html.parser")
    summaries = quality.summarise(bots)
    assert summaries and {s.kind.id for s in summaries} >= {"counts-recovered", "mojibake-repaired", "mojibake-lost", "wandb-unknown"}
    rows = {tr.find("a")["href"]: tr.find_all("td")[-1].get_text() for tr in page.select("tbody tr")}
    for s in summaries:
        assert rows[f"#{s.kind.id}"] == str(len(s.bots))
        section = page.find("section", id=s.kind.id)
        linked = {a.get_text() for a in section.find_all("a")}
        assert linked == {b.name for b, _ in s.bots}
        for a in section.find_all("a"):
            assert a["href"] == f"../../bots/{a.get_text()}/"
    # What was recovered from where is on the page, per bot.
    counts = page.find("section", id="counts-recovered").get_text()
    assert "alterhuss-zainabverse: counts recovered from a table rendered to text" in counts


def test_each_bot_page_links_each_problem_to_its_kind(bots, tmp_path):
    render.render_docs(bots=bots, docs_dir=tmp_path, images=NO_IMAGES, snapshot_day="2024-01-01")
    anchors = set(re.findall(r'id="([^"]+)"', (tmp_path / PATH).read_text(encoding="utf-8")))
    bot = next(b for b in bots if b.name == "cryptolith_-poaststructural-rusticgendarme")
    html = BeautifulSoup((tmp_path / f"bots/{bot.name}.md").read_text(encoding="utf-8"), "html.parser")
    items = html.select("ul.ht-problems li")
    assert len(items) == len(bot.problems)
    for li, problem in zip(items, bot.problems):
        link = li.find("a")
        assert link["href"] == f"../../statistics/quality/#{quality.kind_of(problem).id}"
        assert quality.kind_of(problem).id in anchors


def test_the_page_bounds_how_many_bots_it_names(tmp_path, monkeypatch):
    monkeypatch.setattr(quality, "MAX_LISTED", 3)
    base = next(b for b in rc.read_all().values() if b.name == "dril-drilbot_neo")
    many = [dataclasses.replace(base, id=f"huggingtweets/dril-x{i}", name=f"dril-x{i}") for i in range(7)]
    render.render_docs(bots=many, docs_dir=tmp_path, images=NO_IMAGES, snapshot_day="2024-01-01")
    text = (tmp_path / PATH).read_text(encoding="utf-8")
    section = BeautifulSoup(text, "html.parser").find("section", id="columns-unmapped")
    assert len(section.find_all("a")) == 3 and "and 4 more" in section.get_text()
