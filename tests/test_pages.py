"""What the bot and statistics pages lead with, unknown figures, and the local server (``make serve``)."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from generator import figures, render, stats
from generator.models import HubMeta
from generator.serve import main as serve_main
from generator.serve import make_server

from .test_render import NO_IMAGES, make_bot


def _page(bot) -> BeautifulSoup:
    md = render._bot_page(bot, images=NO_IMAGES, snapshot_date="2022-01-01")
    return BeautifulSoup(md.split("---\n", 2)[2], "html.parser")


def test_unknown_hub_figures_say_unknown_not_zero():
    bot = make_bot("a")  # no Hub metadata at all
    shown = {label: value for label, value, _ in figures.key_figures(bot)}
    assert shown == {"Downloads": "unknown", "Likes": "unknown", "Created": "unknown", "Updated": "unknown",
                     "Tweets kept": "70"}  # fmt: skip
    known = make_bot("b", hub=HubMeta(downloads=0, likes=12345, last_modified="2022-05-01T10:00:00Z"))
    shown = {label: (value, unknown) for label, value, unknown in figures.key_figures(known)}
    assert shown["Downloads"] == ("0", False)  # a real zero stays a zero
    assert shown["Likes"] == ("12,345", False) and shown["Updated"] == ("2022-05-01", False)
    page = _page(bot)
    tiles = {t.dt.get_text(): t.dd for t in page.select(".ht-figure")}
    assert tiles["Downloads"].get_text() == "unknown" and "ht-unknown" in tiles["Downloads"]["class"]


def test_bot_page_leads_with_figures_then_training_data_then_the_share_preview():
    bot = make_bot("a-b")
    images = render.Images(thumbs={"a-b": "img/thumbs/a-b.png"}, avatars={})
    md = render._bot_page(bot, images=images, snapshot_date="2022-01-01")
    page = BeautifulSoup(md.split("---\n", 2)[2], "html.parser")
    order = [el for el in page.find_all(["dl", "h2"]) if el.name == "h2" or "ht-figures" in el.get("class", [])]
    labels = ["figures" if o.name == "dl" else o.get_text() for o in order]
    assert labels == ["figures", "Training data", "Use it", "Share preview", "The card"]
    figure = page.select_one(".ht-share figure")
    assert "shared" in figure.figcaption.get_text() and figure.img["loading"] == "lazy"
    assert not page.select(".ht-says")  # no samples: no empty section, no placeholder
    # every figure cell is labelled for the phone layout (one block per account)
    cells = page.select(".ht-table--blocks td")
    assert cells and all(td.get("data-label") for td in cells)


@dataclass(frozen=True)
class _Sample:
    text: str


def test_samples_lead_the_page_when_the_record_has_them():
    bot = make_bot("a")
    for samples in (("My dream is to <b>fly</b>", "", "second\nline"), (_Sample("My dream is x"),)):
        record = _with(bot, samples)
        shown = figures.samples_shown(record)
        assert shown and "" not in shown
        page = _page(record)
        says = page.select_one(".ht-says")
        assert says.h2.get_text() == "What it says"
        assert [q.get_text() for q in says.select("blockquote")] == shown
        assert not says.select("b")  # escaped, never markup
    many = _with(bot, tuple(f"s{i}" for i in range(10)))
    assert figures.samples_shown(many) == ["s0", "s1", "s2"] and figures.MAX_SAMPLES_SHOWN == 3
    long = figures.samples_shown(_with(bot, ("word " * 500,)))[0]
    assert len(long) <= figures.MAX_SAMPLE_CHARS + 1 and long.endswith("…")


def _with(bot, samples):
    """``bot`` with a ``samples`` attribute (works whether or not Bot has the field yet)."""
    import dataclasses

    if any(f.name == "samples" for f in dataclasses.fields(bot)):
        return dataclasses.replace(bot, samples=samples)

    class Record:
        def __getattr__(self, name):
            return samples if name == "samples" else getattr(bot, name)

    return Record()


def test_statistics_totals_are_unknown_without_hub_figures(tmp_path):
    bots = [make_bot("a"), make_bot("b")]
    t = stats.totals(bots)
    assert t.downloads is None and t.likes is None and t.with_downloads == 0
    assert t.tweets_kept == 140
    render.render_docs(bots=bots, docs_dir=tmp_path, images=NO_IMAGES)
    md = (tmp_path / "statistics" / "index.md").read_text(encoding="utf-8")
    page = BeautifulSoup(md, "html.parser")
    facts = dict(zip([d.get_text() for d in page.select(".ht-stats-totals dt")], page.select(".ht-stats-totals dd")))
    assert facts["Downloads (Hub)"].get_text() == "unknown" and facts["Likes (Hub)"].get_text() == "unknown"
    assert "Downloads (Hub)" in facts and "0" not in facts["Downloads (Hub)"].get_text()
    assert "unknown" in page.get_text()
    partial = [make_bot("a", hub=HubMeta(downloads=5)), make_bot("b")]
    assert stats.totals(partial).downloads == 5
    render.render_docs(bots=partial, docs_dir=tmp_path, images=NO_IMAGES)
    assert "known for 1 of 2 bots" in (tmp_path / "statistics" / "index.md").read_text(encoding="utf-8")
    # each chart comes in a light and a dark variant, both on the page
    assert (tmp_path / "statistics" / "tweets-kept.dark.svg").is_file()
    md = (tmp_path / "statistics" / "index.md").read_text(encoding="utf-8")
    assert 'class="ht-chart__light" src="tweets-kept.svg"' in md and 'src="tweets-kept.dark.svg"' in md


@pytest.fixture
def server(tmp_path):
    (tmp_path / "index.html").write_text("home", encoding="utf-8")
    (tmp_path / "404.html").write_text("our own 404", encoding="utf-8")
    srv = make_server(tmp_path, port=0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/", tmp_path
    srv.shutdown()
    srv.server_close()


def test_serve_answers_unknown_paths_with_the_sites_404_page(server):
    base, root = server
    assert urllib.request.urlopen(base).read() == b"home"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "bots/no-such-bot/")
    assert err.value.code == 404 and err.value.read() == b"our own 404"
    (root / "404.html").unlink()  # without one, the plain error page
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(base + "nope")
    assert err.value.code == 404 and b"our own" not in err.value.read()


def test_serve_refuses_a_folder_without_a_site(tmp_path, capsys):
    assert serve_main([str(tmp_path / "missing"), "--port", "0"]) == 2
    assert "no built site" in capsys.readouterr().err
