"""Samples on the site: the bot page's "What it says", the thumbnail, bots.json/bots.csv and
the statistics, with generated text treated as hostile (it is untrusted like card text)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator import render, site, stats
from generator.models import Bot, Samples
from generator.predict import samples as fmt
from generator.thumbnails import draw_thumbnails
from tests.factories import make_bot
from tests.test_render import NO_IMAGES

#: What a model could write: markup, a Markdown link after a blank line, template syntax.
HOSTILE = '<script>alert("s")</script> & "q"\n\n[click](javascript:alert(1)) {{ 7*7 }}\n# not a heading'
TEXTS = ("", "x" * 300, "to eat a whole chicken in one bite", HOSTILE, "second line\nof a sample")


def with_samples(bot: Bot, texts: tuple[str, ...] = TEXTS) -> Bot:
    samples = Samples(
        prompt="My dream is",
        texts=tuple(fmt.clean_sample(t) for t in texts),
        settings=tuple(fmt.SETTINGS.items()),
        engine=(("torch", "2.13.0"), ("transformers", "5.24.0")),
        generated="2026-11-30",
        revision="a" * 40,
    )
    return replace(bot, samples=samples)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[Bot]]:
    tmp = tmp_path_factory.mktemp("samples-site")
    docs, out = tmp / "docs", tmp / "site"
    site.stage_docs(docs)
    bots = [with_samples(make_bot("talker")), make_bot("quiet")]
    render.render_docs(bots=bots, docs_dir=docs, images=NO_IMAGES)
    site.run_mkdocs(docs_dir=docs, out_dir=out)
    return docs, out, bots


def test_bot_page_shows_every_sample_as_text_with_the_prompt_settings_date_and_a_note(built):
    _, out, bots = built
    page = BeautifulSoup((out / "bots/talker/index.html").read_text(encoding="utf-8"), "html.parser")
    section = page.select_one("section.ht-says")
    assert section.find("h2").get_text() == "What it says"
    items = section.select("blockquote.ht-sample")
    # The first figures.MAX_SAMPLES_SHOWN non-empty samples, each after its prompt.
    assert [q.get_text() for q in items] == [
        "My dream is " + "x" * 300,
        "My dream is to eat a whole chicken in one bite",
        'My dream is <script>alert("s")</script> & "q"\n[click](javascript:alert(1)) {{ 7*7 }}\n# not a heading',
    ]
    # The hostile sample is text: no script, no link, no heading, and no blank line
    # (one would end the raw HTML block and let Markdown read the rest).
    assert not section.find("script") and not section.find("a") and not section.find("h1")
    assert not [a for a in page.find_all(href=True) if a["href"].lower().startswith("javascript:")]
    note = section.select_one(".ht-note").get_text()
    assert "not written by the account holder" in note and "offensive or false" in note and "2026-11-30" in note
    meta = section.select(".ht-muted")[-1].get_text()
    for part in ("top-k 50", "top-p 0.95", "temperature 1.0", "seed 42", "up to 40 new tokens", "transformers 5.24.0"):
        assert part in meta, meta
    # The section sits before the training data, and a bot without samples has none.
    assert page.get_text().index("What it says") < page.get_text().index("Training data")
    quiet = BeautifulSoup((out / "bots/quiet/index.html").read_text(encoding="utf-8"), "html.parser")
    assert not quiet.select("section.ht-says") and "What it says" not in quiet.get_text()


def test_data_files_and_statistics_carry_the_samples(built):
    docs, out, bots = built
    data = {b["name"]: b for b in json.loads((docs / "bots.json").read_text(encoding="utf-8"))}
    assert data["talker"]["samples"]["texts"] == list(bots[0].samples.texts)
    assert data["talker"]["samples"]["chosen"] == "to eat a whole chicken in one bite"
    assert data["quiet"]["samples"] is None
    assert Bot.from_dict(data["talker"]).samples == bots[0].samples
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO((docs / "bots.csv").read_text(encoding="utf-8")))}
    assert rows["talker"]["sample"] == "to eat a whole chicken in one bite"
    assert json.loads(rows["talker"]["samples"]) == list(bots[0].samples.texts)
    assert rows["talker"]["samples_generated"] == "2026-11-30" and rows["quiet"]["samples"] == ""
    assert stats.totals(bots).with_samples == 1
    page = BeautifulSoup((out / "statistics/index.html").read_text(encoding="utf-8"), "html.parser")
    terms = {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in page.select(".ht-stats-totals dt")}
    assert terms["Bots with generated samples"] == "1"


def test_the_chosen_sample_is_deterministic_and_fits():
    bot = with_samples(make_bot("talker"))
    assert bot.samples.chosen == "to eat a whole chicken in one bite"
    long_only = with_samples(make_bot("talker"), ("y" * 300, "z" * 200))
    assert long_only.samples.chosen == "y" * 300, "none fits: the first, which the drawing wraps and cuts"


def test_thumbnail_draws_the_bots_own_sample_and_redraws_when_it_changes(tmp_path):
    plain = make_bot("talker")
    talking = with_samples(plain)
    chart = draw_thumbnails([plain], out_dir=tmp_path / "a", jobs=1)["talker"].read_bytes()
    sample = draw_thumbnails([talking], out_dir=tmp_path / "a", jobs=1)["talker"].read_bytes()
    assert sample != chart, "a bot with samples gets the prediction card, not the chart"
    again = draw_thumbnails([talking], out_dir=tmp_path / "b", jobs=1)["talker"].read_bytes()
    assert again == sample, "the same samples draw the same bytes"
    given = draw_thumbnails([plain], out_dir=tmp_path / "c", samples={"talker": [talking.samples.chosen]}, jobs=1)
    assert given["talker"].read_bytes() == sample, "it draws exactly the chosen sample"
    other = with_samples(plain, ("something else entirely, said by the model",))
    assert draw_thumbnails([other], out_dir=tmp_path / "a", jobs=1)["talker"].read_bytes() != sample


def test_the_site_build_never_imports_torch_or_transformers():
    import subprocess
    import sys

    code = (
        "import sys, generator.site, generator.normalise, generator.render, generator.thumbnails, generator.predict.samples; "
        "print(' '.join(m for m in ('torch', 'transformers', 'tokenizers', 'safetensors') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "", f"the build loaded {out.strip()}"
