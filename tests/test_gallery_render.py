"""The gallery page's server side (generator/render/gallery.py): sorts, filters with counts, card figures."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import datetime, timezone
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
    assert {c["name"]: c["r"] for c in ctx["cards"]} == {"a": 5, "b": None, "c": None}


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


def test_the_data_file_has_every_bot_in_the_default_order_and_the_page_only_the_first():
    bots = [_bot(f"b{i:03d}", downloads=i % 7 or None, likes=i) for i in range(gallery.SERVED_CARDS + 10)]
    bots.append(_bot("x-y", kind="cyborg", users=2, downloads=99))
    files = gallery.gallery_files(bots, images=NO_IMAGES, snapshot_date=None)
    data = json.loads(files[gallery.DATA_FILE])
    order = [b.name for b in gallery.sort_bots(bots, key="downloads")]
    assert data["v"] == gallery.DATA_VERSION and data["name"] == order
    assert all(len(column) == len(bots) for key, column in data.items() if key not in ("v", "kinds", "eras", "colours", "extras"))
    at = order.index("x-y")
    assert data["kinds"][data["k"][at]] == "cyborg" and data["n"][at] == 2 and data["dn"][at] == "X & Y"
    assert data["s"][at] is None  # the script derives "x-y X & Y x y X Y" itself (derived_search)
    assert data["d"][order.index("b007")] is None and data["l"][order.index("b007")] == 7  # unknown is null, never 0
    faces = gallery.card_faces(bots[-1], images=NO_IMAGES)[0]
    assert data["f"][at] == " ".join(f"{gallery.INITIALS_COLOURS.index(f.colour):x}{f.initials}" for f in faces)
    assert [code[1:] for code in data["f"][at].split()] == ["X", "Y"]
    assert [data["colours"][int(code[0], 16)] for code in data["f"][at].split()] == [f.colour for f in faces]
    page = files["index.md"]
    assert page.count('<li class="ht-card">') == gallery.SERVED_CARDS
    assert re.findall(r'<span class="ht-card__handle">@([^<]+)</span>', page) == order[: gallery.SERVED_CARDS]
    # The page names the data file by its bytes, so a cached old file is never read with a new page.
    version = re.search(r'data-data="gallery\.json\?v=([0-9a-f]{12})"', page).group(1)
    assert version == hashlib.sha256(files[gallery.DATA_FILE].rstrip("\n").encode()).hexdigest()[:12]
    changed = gallery.gallery_files([*bots[:-1], _bot("x-y", kind="cyborg", users=2, downloads=98)], images=NO_IMAGES, snapshot_date=None)
    assert version not in changed["index.md"]


def test_search_words_the_script_cannot_derive_are_in_the_data_file():
    odd = dataclasses.replace(_bot("a-b", kind="cyborg", users=2), handles=("b", "a"))  # handles not in the name's order
    data = gallery.gallery_data([gallery.card(odd, images=NO_IMAGES, rising={})])
    assert data["s"] == [gallery.search_words(odd)] and gallery.search_words(odd) != gallery.derived_search("a-b", "A & B")


def test_list_pages_reach_every_bot_once_in_the_default_order():
    bots = [_bot(f"b{i:02d}", downloads=i) for i in range(20)]
    files = gallery.gallery_files(bots, images=NO_IMAGES, snapshot_date=None, list_page=7)
    pages = sorted(k for k in files if k.startswith(f"{gallery.LIST_DIR}/"))
    assert pages == ["all/1.md", "all/2.md", "all/3.md"]
    listed = [n for k in ("all/1.md", "all/2.md", "all/3.md") for n in re.findall(r'href="\.\./\.\./bots/([^/]+)/"', files[k])]
    assert listed == [b.name for b in gallery.sort_bots(bots, key="downloads")]
    assert '<ol class="ht-all__list" start="8">' in files["all/2.md"] and '<span aria-current="page">2</span>' in files["all/2.md"]
    assert re.findall(r'href="all/(\d+)/"', files["index.md"]) == ["1", "2", "3"]  # the gallery links every one
    one = gallery.gallery_files(bots[:3], images=NO_IMAGES, snapshot_date=None, list_page=7)
    assert [k for k in one if k.startswith("all/")] == ["all/1.md"] and "ht-pager" not in one["all/1.md"]


def test_cards_make_room_for_what_bots_say_only_when_some_bot_says_something():
    from generator.models import Samples

    quiet = [_bot("a", downloads=2), _bot("b", downloads=1)]
    page = gallery.gallery_page(quiet, images=NO_IMAGES, snapshot_date=None)
    assert '<ul class="ht-grid" data-sort="downloads">' in page and "ht-card__say" not in page
    said = dataclasses.replace(quiet[1], samples=Samples(prompt="My dream is", texts=(" to sail away",)))
    page = gallery.gallery_page([quiet[0], said], images=NO_IMAGES, snapshot_date=None)
    assert '<ul class="ht-grid ht-grid--says" data-sort="downloads">' in page
    assert re.search(r'<span class="ht-card__say">My dream is ?to sail away</span>', page)
    # The opening words are in a file of their own, named by its bytes; the data file only points to it.
    files = gallery.gallery_files([quiet[0], said], images=NO_IMAGES, snapshot_date=None)
    data, extras = json.loads(files[gallery.DATA_FILE]), json.loads(files[gallery.EXTRAS_FILE])
    assert "say" not in data and extras["v"] == gallery.DATA_VERSION and extras["say"][0] is None
    assert extras["say"][1].endswith("to sail away") and data["name"] == ["a", "b"] and extras["a"] == [None, None]
    digest = hashlib.sha256(files[gallery.EXTRAS_FILE].rstrip("\n").encode()).hexdigest()[:12]
    assert data["extras"] == f"{gallery.EXTRAS_FILE}?v={digest}"
    quiet_files = gallery.gallery_files(quiet, images=NO_IMAGES, snapshot_date=None)
    assert gallery.EXTRAS_FILE not in quiet_files and json.loads(quiet_files[gallery.DATA_FILE])["extras"] is None


def test_the_data_file_gives_dates_as_days_and_the_extras_file_avatars_after_their_folder():
    made = dataclasses.replace(_bot("a-b", kind="cyborg", users=2, avatars=True),
                               hub=HubMeta(downloads=1, likes=0, created_at="2022-12-31T23:30:00-02:00"))  # fmt: skip
    images = Images(thumbs={}, avatars={made.users[1].avatar: "img/avatars/0123456789abcdef.jpg"})
    cards = [gallery.card(made, images=images, rising={}), gallery.card(_bot("c"), images=images, rising={})]
    card, data, extras = cards[0], gallery.gallery_data(cards), gallery.extras_data(cards)
    # 2023-01-01T01:30Z: the UTC day (what the script shows and derives the year from), and the filter's year with it.
    assert data["c"] == [card["c"] // 86400, None] and card["year"] == 2023
    assert datetime.fromtimestamp(data["c"][0] * 86400, timezone.utc).date().isoformat() == "2023-01-01"
    assert "y" not in data and extras["avatars"] == "img/avatars/" and extras["a"] == ["- 0123456789abcdef.jpg", None]
    assert [code[1:] for code in data["f"][0].split()] == ["A", "B"] and extras["say"] == [None, None]
    assert gallery.extras_data([cards[1]]) is None  # no avatar, no words: no extras file


def test_every_card_shows_its_updated_date_without_javascript_too():
    """The Hub's list shows when each model was last updated; so does every card, and every list page's line.

    An absolute UTC day (the page is served long after it is built, so "3 days ago" would go wrong),
    with fixed month names, the ones gallery.js writes; a bot the Hub gave no date shows none."""
    updated = dataclasses.replace(_bot("a", downloads=2), hub=HubMeta(downloads=2, last_modified="2021-09-04T23:59:59.000Z"))
    late = dataclasses.replace(_bot("b", downloads=1), hub=HubMeta(downloads=1, last_modified="2022-03-12T00:00:01+01:00"))
    files = gallery.gallery_files([updated, late, _bot("c")], images=NO_IMAGES, snapshot_date=None)
    page = files["index.md"]
    assert '<time class="ht-u" datetime="2021-09-04" title="Updated on the Hub">4 Sep 2021</time>' in page
    assert '<time class="ht-u" datetime="2022-03-11" title="Updated on the Hub">11 Mar 2022</time>' in page  # UTC
    assert page.count('class="ht-u"') == 2  # "c": the Hub did not say
    lines = [line for line in files[f"{gallery.LIST_DIR}/1.md"].splitlines() if line.startswith("<li>")]
    assert [("updated 4 Sep 2021" in line, "updated 11 Mar 2022" in line, "updated" in line) for line in lines] == [
        (True, False, True), (False, True, True), (False, False, False)]
    assert [gallery.short_date(d) for d in (0, 18873, None)] == ["1 Jan 1970", "3 Sep 2021", None]
