"""The gallery page's server side (generator/render/gallery.py): sorts, filters with counts, card figures."""

from __future__ import annotations

import re

import dataclasses
from types import SimpleNamespace

from generator.models import Bot, HubMeta, User
from generator.render import Images, gallery

NO_IMAGES = Images(thumbs={}, avatars={})


def _bot(name: str, *, downloads=None, likes=None, kind="bot", era="2021-05-07", users=1, avatars=False) -> Bot:
    handles = tuple(name.split("-"))
    us = tuple(User(handle=h, name=h.title(), avatar=f"https://pbs.twimg.com/{h}.jpg" if avatars else None,
                    tweets_downloaded=10, retweets=1, short_tweets=1, tweets_kept=8)
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
    assert "rising" not in [k for k, _ in gallery.context(bots, images=NO_IMAGES, snapshot_date=None)["sorts"]]
    ctx = gallery.context(bots, images=NO_IMAGES, snapshot_date=None, rising={"a": 5})
    assert "rising" in [k for k, _ in ctx["sorts"]]
    assert {c["bot"].name: c["rising"] for c in ctx["cards"]} == {"a": 5, "b": None, "c": None}


def test_card_text_is_escaped_and_unknown_figures_say_unknown():
    evil = dataclasses.replace(_bot("evil"), users=(User(handle="evil", name="<img src=x onerror=alert(1)>", avatar=None,
                               tweets_downloaded=1, retweets=0, short_tweets=0, tweets_kept=1),))  # fmt: skip
    page = gallery.gallery_page([evil, _bot("a", downloads=0, likes=0)], images=NO_IMAGES, snapshot_date=None)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<span class="ht-d">↓ unknown</span>' in page and '<span class="ht-d">↓ 0</span>' in page


def test_only_the_first_cards_carry_an_image_src():
    bots = [_bot(f"b{i:03d}", downloads=1000 - i, avatars=True) for i in range(gallery.SERVED_IMAGES + 5)]
    images = Images(thumbs={}, avatars={u.avatar: f"img/avatars/{u.handle}.jpg" for b in bots for u in b.users})
    page = gallery.gallery_page(bots, images=images, snapshot_date=None)
    assert page.count(' src="img/avatars/') == gallery.SERVED_IMAGES
    assert page.count(' data-src="img/avatars/') == 5
    assert page.count('loading="lazy"') == len(bots) - gallery.EAGER_IMAGES


def test_cards_show_faces_not_images_and_a_cyborg_of_many_ends_in_plus_n():
    many = _bot("a-b-c-d-e", kind="cyborg", users=5, avatars=True)
    half = Images(thumbs={}, avatars={u.avatar: f"img/avatars/{u.handle}.jpg" for u in many.users[:1]})
    faces, more = gallery.card_faces(many, images=half)
    assert [f.initials for f in faces] == ["A", "B", "C"] and more == 2
    assert faces[0].src == "img/avatars/a.jpg" and faces[1].src is None  # no cached avatar: initials only
    page = gallery.gallery_page([many, _bot("z")], images=half, snapshot_date=None)
    assert '<span class="ht-face ht-face--more">+2</span>' in page
    # Every face carries its initials, the avatar (when cached) laid over them; no thumbnail anywhere.
    assert re.search(r'<span class="ht-face" style="--ht-face:#[0-9a-f]{6}">A<img src="img/avatars/a.jpg"', page)
    assert "img/thumbs" not in page and "img/small" not in page
    assert gallery.card_faces(_bot("z"), images=NO_IMAGES) == ([gallery.face(_bot("z").users[0], handle=None, images=NO_IMAGES)], 0)


def test_opening_words_of_the_predict_stage_sample():
    bot = _bot("a")
    assert gallery.first_sample(bot) is None  # no samples yet: nothing shown
    said = SimpleNamespace(samples=SimpleNamespace(prompt="My dream is", chosen=" to  own\na boat " + "and sail " * 20))
    text = gallery.opening_words(gallery.first_sample(said))
    assert text.startswith("My dream is to own a boat and sail") and text.endswith("…")
    assert len(text) <= gallery.SAY_CHARS + 1
    assert gallery.first_sample(SimpleNamespace(samples=SimpleNamespace(prompt="x", chosen="  "))) is None
