"""Every text a thumbnail draws can be drawn (no empty or dotted boxes), and names fit whole.

The names are those of the 59 real huggingtweets cards (``fixtures/real-card-names.json``,
copied from the recovered cards; and the cards themselves when ``fixtures/real-cards/`` is
there), of a 200-card synthetic corpus, and of the hard cases in ``test_thumbnails``. Each
card is drawn by the real drawing code; every string it hands to matplotlib is laid out the
way matplotlib draws it and checked glyph by glyph (:func:`generator.style.undrawable`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator import corpus, thumbnails
from generator.models import Bot, User
from generator.normalise import normalise_paths
from generator.style import PLACEHOLDER_GLYPHS, clean_text, mpl_style, undrawable
from generator.thumbnails import card as card_mod
from generator.thumbnails import draw as draw_mod
from generator.thumbnails.canvas import _Canvas, _text_width

from .test_thumbnails import HARD_NAMES, make_bot

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_NAMES = json.loads((FIXTURES / "real-card-names.json").read_text(encoding="utf-8"))["cards"]
REAL_CARDS = FIXTURES / "real-cards"  # the reader's copies of the same cards, when present


def _bot(name: str, names: list[str]) -> Bot:
    handles = name.split("-")
    users = [(h, n, 900 + 10 * i, 50, 30) for i, (h, n) in enumerate(zip(handles, names or [None] * len(handles)))]
    return make_bot(name, users or [(name, None, 1, 1, 1)])


def real_bots() -> list[Bot]:
    bots = []
    for name, entry in REAL_NAMES.items():
        bots.append(_bot(name, entry["user_names"]))
        if entry.get("expected_names") and entry["expected_names"] != entry["user_names"]:
            bots.append(_bot(name, entry["expected_names"]))
    if REAL_CARDS.is_dir():
        bots.extend(normalise_paths([REAL_CARDS], jobs=1))
    return bots


def corpus_bots() -> list[Bot]:
    out = []
    for spec in corpus.generate(200, seed=3):
        out.append(make_bot(spec.name, [(u.handle, u.name, u.tweets_kept, u.short_tweets, u.retweets) for u in spec.users]))
    out += [make_bot(f"hard{i}", [(f"hard{i}", n, 1, 1, 1)]) for i, n in enumerate(HARD_NAMES)]
    return out


class Drawn:
    """What one :func:`draw_mod._draw` call drew: every text with its weight, the header's lines."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []
        self.title: list[str] = []
        self.handle: list[str] = []


@pytest.fixture
def draw_recorded(monkeypatch):
    """Draw a card with the real code, recording its text (rasterising skipped: only layout matters)."""
    current = Drawn()
    real_text, real_title, real_handle = _Canvas.text, draw_mod._title_lines, draw_mod._handle_lines

    def text(self, x, y, s, *, px, **kw):
        current.texts.append((s, str(kw.get("weight", "normal"))))
        return real_text(self, x, y, s, px=px, **kw)

    def title(*a, **k):
        lines, px = real_title(*a, **k)
        current.title[:] = lines
        return lines, px

    def handle(*a, **k):
        lines, px = real_handle(*a, **k)
        current.handle[:] = lines
        return lines, px

    monkeypatch.setattr(_Canvas, "text", text)
    monkeypatch.setattr(_Canvas, "png", lambda self: b"")
    monkeypatch.setattr(draw_mod, "_title_lines", title)
    monkeypatch.setattr(draw_mod, "_handle_lines", handle)

    def run(bot: Bot) -> tuple[card_mod._Card, Drawn]:
        nonlocal current
        current = Drawn()
        card = card_mod._card(bot, None, None)
        draw_mod._draw(card)
        return card, current

    with mpl_style():
        yield run


def test_the_check_sees_boxes():
    with mpl_style():
        assert undrawable("dril 山田太郎 Ελένη محمد 🦌 👩‍💻") == []
        assert undrawable("\U0001f1eb\U0001f1f7")  # a flag: Symbola's dotted boxed letters
        assert undrawable("👩🏻")  # a skin tone: Symbola's dotted swatch
        assert undrawable("\U0001fae8")  # no font has it: matplotlib's Last Resort box
    assert not PLACEHOLDER_GLYPHS & set(map(ord, clean_text("Aleyda Solis 👩🏻‍💻 🇫🇷 Marianne")))


@pytest.mark.parametrize("source", ["real", "corpus"])
def test_every_glyph_draws_and_names_fit_whole(draw_recorded, source):
    bots = real_bots() if source == "real" else corpus_bots()
    assert len(bots) >= (59 if source == "real" else 200)
    seen_skin_tone = False
    for bot in bots:
        card, drawn = draw_recorded(bot)
        seen_skin_tone |= any(0x1F3FB <= ord(ch) <= 0x1F3FF for ch in bot.display_name)
        with mpl_style():
            bad = {s: undrawable(s, weight=w) for s, w in drawn.texts}
        assert not {s: b for s, b in bad.items() if b}, f"{bot.id}: drawn as boxes"
        # the title is the whole name, or whole names and "& N more": never cut inside one
        joined = " ".join(drawn.title)
        more = re.fullmatch(r"(.*) & (\d+) more", joined)
        if "".join(joined.split()) != "".join(card.title.split()):  # lines may break inside CJK or a repo name
            assert more and card.title.startswith(more.group(1)), (bot.id, drawn.title)
            assert card.title[len(more.group(1)) :].startswith(" & ")
        assert "".join(drawn.handle) == card.handle, (bot.id, drawn.handle)
        assert (card.id, "normal") in drawn.texts, f"{bot.id}: repo id not drawn whole"
    if source == "real":
        assert seen_skin_tone  # 👩🏻‍💻 of aleyda-cyrusshepard-johnmu was among them


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_every_account_gets_a_face_or_counts_in_plus_n_and_no_initials_are_hidden(draw_recorded, n):
    handles = ["mm", "ww", "qq", "mw", "wq", "mq"][:n]
    bot = make_bot("-".join(handles), [(h, f"{h[0].upper()}x {h[1].upper()}y", 10, 1, 1) for h in handles])
    card, drawn = draw_recorded(bot)
    texts = [s for s, _ in drawn.texts]
    with mpl_style():
        centres = thumbnails.face_centres(card.faces, 0, 0)
        shown, more, d, _ = draw_mod._face_geometry(card.faces)
        labels = [f.initials for f in shown] + ([f"+{more}"] if more else [])
        widths = [_text_width(lab, draw_mod._initials_px(lab, d), "bold") for lab in labels]
    assert len(shown) + more == n and len(centres) == min(n, thumbnails.MAX_FACES)
    if n > thumbnails.MAX_FACES:
        assert f"+{n - thumbnails.MAX_FACES + 1}" in texts
    for label in labels:
        assert label in texts  # whole, not cut
    for i in range(1, len(centres)):
        covered_to = centres[i - 1][0] + d / 2 + 5  # the previous disc and its ring
        assert centres[i][0] - widths[i] / 2 >= covered_to, (n, i, labels[i])
    right = centres[-1][0] + d / 2
    assert right < 88 + 420  # leaves the title its room


def test_a_title_too_long_for_three_lines_drops_whole_names(draw_recorded):
    names = [f"Someone With A Rather Long Display Name {i}" for i in range(6)]
    handles = [f"acct{i}" for i in range(6)]
    card, drawn = draw_recorded(make_bot("-".join(handles), [(h, n, 1, 1, 1) for h, n in zip(handles, names)]))
    joined = " ".join(drawn.title)
    assert re.fullmatch(r"(Someone With A Rather Long Display Name \d( & )?)+ & \d more", joined), joined
    assert "…" not in joined


def test_a_repo_id_of_the_hubs_maximum_length_wraps_and_is_drawn_whole(draw_recorded):
    handles = ["a" * 15, "b" * 15, "c" * 15, "d" * 15, "e" * 15, "f" * 15]
    name = "-".join(handles)[:96]
    bot = Bot(**{**make_bot("x", [("x", "X", 1, 1, 1)]).__dict__, "id": f"huggingtweets/{name}", "name": name,
                 "users": tuple(User(h, "N", None, 3, 1, 1, 1) for h in handles), "kind": "cyborg"})  # fmt: skip
    card, drawn = draw_recorded(bot)
    assert "".join(drawn.handle) == "@" + name and len(drawn.handle) <= 2
    assert (card.id, "normal") in drawn.texts
