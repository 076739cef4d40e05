"""The gallery page's server side (generator/render/gallery.py): sorts, filters with counts, card figures."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from generator.models import Bot, HubMeta, User
from generator.render import gallery


def _bot(name: str, *, downloads=None, likes=None, kind="bot", era="2021-05-07", users=1) -> Bot:
    handles = tuple(name.split("-"))
    us = tuple(User(handle=h, name=h.title(), avatar=None, tweets_downloaded=10, retweets=1, short_tweets=1, tweets_kept=8)
               for h in handles[:users])  # fmt: skip
    return Bot(id=f"huggingtweets/{name}", name=name, handles=handles, kind=kind, users=us, era=era, template=None,
               thumbnail=None, thumbnail_date=None, widget_prompt=None, wandb_preprocess=None, wandb_train=None,
               hub=HubMeta(downloads=downloads, likes=likes))  # fmt: skip


def test_filters_count_each_option_and_leave_out_empty_ones():
    bots = [_bot("a", downloads=3), _bot("b"), _bot("c-d", kind="cyborg", users=2), _bot("e", era="unknown")]
    by_name = {f.name: f for f in gallery.filters(bots)}
    assert [(o.value, o.count) for o in by_name["kind"].options] == [("bot", 3), ("cyborg", 1)]
    assert [(o.value, o.count) for o in by_name["n"].options] == [("1", 3), ("2", 1)]  # no 3 or "4 or more"
    assert by_name["era"].label == "Card template" and by_name["era"].help
    assert [o.value for o in by_name["era"].options] == ["2021-05-07", "unknown"]


def test_rising_sort_is_offered_only_with_a_history_and_unknown_sorts_last():
    bots = [_bot("a", downloads=3), _bot("b", downloads=None), _bot("c", downloads=9)]
    assert [b.name for b in gallery.sort_bots(bots, key="downloads")] == ["c", "a", "b"]
    assert [b.name for b in gallery.sort_bots(bots, key="rising", rising={"a": 5, "b": -1})] == ["a", "b", "c"]
    assert "rising" not in [k for k, _ in gallery.context(bots, small={}, snapshot_date=None)["sorts"]]
    ctx = gallery.context(bots, small={}, snapshot_date=None, rising={"a": 5})
    assert "rising" in [k for k, _ in ctx["sorts"]]
    assert {c["bot"].name: c["rising"] for c in ctx["cards"]} == {"a": 5, "b": None, "c": None}


def test_card_text_is_escaped_and_unknown_figures_say_unknown():
    evil = dataclasses.replace(_bot("evil"), users=(User(handle="evil", name="<img src=x onerror=alert(1)>", avatar=None,
                               tweets_downloaded=1, retweets=0, short_tweets=0, tweets_kept=1),))  # fmt: skip
    page = gallery.gallery_page([evil, _bot("a", downloads=0, likes=0)], small={}, snapshot_date=None)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<span class="ht-d">↓ unknown</span>' in page and '<span class="ht-d">↓ 0</span>' in page


def test_only_the_first_cards_carry_an_image_src():
    bots = [_bot(f"b{i:03d}", downloads=1000 - i) for i in range(gallery.SERVED_IMAGES + 5)]
    page = gallery.gallery_page(bots, small={b.name: f"img/small/{b.name}.webp" for b in bots}, snapshot_date=None)
    assert page.count(' src="img/small/') == gallery.SERVED_IMAGES
    assert page.count(' data-src="img/small/') == 5
    assert page.count('loading="lazy"') == len(bots) - gallery.EAGER_IMAGES


def test_opening_words_of_the_predict_stage_sample():
    bot = _bot("a")
    assert gallery.first_sample(bot) is None  # no samples yet: nothing shown
    said = SimpleNamespace(samples=SimpleNamespace(prompt="My dream is", chosen=" to  own\na boat " + "and sail " * 20))
    text = gallery.opening_words(gallery.first_sample(said))
    assert text.startswith("My dream is to own a boat and sail") and text.endswith("…")
    assert len(text) <= gallery.SAY_CHARS + 1
    assert gallery.first_sample(SimpleNamespace(samples=SimpleNamespace(prompt="x", chosen="  "))) is None
