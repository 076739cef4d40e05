"""Prediction thumbnails: size, determinism, incremental redraws, avatars, any script."""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import matplotlib
import pytest
from PIL import Image

from generator import thumbnails
from generator.errors import OutputCollisionError
from generator.models import Bot
from generator.thumbnails import avatar_cache_path, clean_text, draw_thumbnails

from . import factories
from .factories import make_user

HARD_NAMES = [
    "山田太郎",
    "キズナアイ & 김민준",
    "👩‍💻 dev",
    "🏳️‍🌈 Pride",
    "👨‍👩‍👧‍👦",
    "🇫🇷 Marianne 🇯🇵🇺🇸",
    "𝐁𝐨𝐥𝐝 𝐍𝐚𝐦𝐞 𝓈𝒸𝓇𝒾𝓅𝓉",
    "ʇxǝʇ uʍop ǝpısdn",
    "محمد العربي",
    "Алексей Ελένη Zoë Łukasz Ñandú",
    "🦊🤔🔥✨🐍🦌🍕🚀💀",
    "🫠 melting",  # U+1FAE0: no installed font has it
    "bidi\u202eoverride\ttab\nnewline",
]


def make_bot(name: str, users: list[tuple], *, prompt: str | None = None) -> Bot:
    """users: (handle, display name, kept, short, retweets[, avatar url]); the shared factory does the rest."""
    columns = tuple(
        make_user(handle, display, kept, short, rts, avatar=avatar[0] if avatar else f"https://pbs.twimg.com/profile_images/1/{handle}_400x400.jpg")
        for handle, display, kept, short, rts, *avatar in users
    )
    return factories.make_bot(name, users=columns, widget_prompt=prompt)


def _bots() -> list[Bot]:
    return [
        make_bot("dril", [("dril", "wint", 3100, 120, 30)]),
        make_bot("kanyewest-yamada", [("kanyewest", "ye", 1200, 800, 100), ("yamada", "山田太郎", 2000, 100, 1150)]),
        make_bot("nocounts", [("nocounts", "No Counts", None, None, None)], prompt="I think that"),
        make_bot("a-b-c-d", [(h, f"User {h.upper()}", 100 * i, 10 * i, 5 * i) for i, h in enumerate("abcd", 1)]),
    ]


def _bytes(paths: dict[str, Path]) -> dict[str, bytes]:
    return {name: path.read_bytes() for name, path in paths.items()}


def _pixel(path: Path, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel(xy)


def _avatar_centre(index: int, bot: Bot) -> tuple[int, int]:
    x0, y0 = thumbnails._CARD[0] + thumbnails._PAD, thumbnails._CARD[1] + thumbnails._PAD
    with thumbnails.mpl_style():
        cx, cy = thumbnails.face_centres(thumbnails.card._card(bot, None, None).faces, x0, y0)[index]
    return round(cx), round(cy)


def test_size_determinism_and_independence_from_callers_rcparams(tmp_path):
    bots = _bots()[:2]
    first = draw_thumbnails(bots, out_dir=tmp_path / "a", jobs=1)
    assert set(first) == {"dril", "kanyewest-yamada"}
    for name, path in first.items():
        assert path == tmp_path / "a" / f"{name}.png"
        with Image.open(path) as im:
            assert im.format == "PNG" and im.size == (1200, 630)
            assert not {"Software", "Creation Time", "date:create"} & set(im.info)
    with matplotlib.rc_context({"font.size": 30, "figure.facecolor": "red", "font.family": "serif"}):
        second = draw_thumbnails(bots, out_dir=tmp_path / "b", jobs=1)
    assert _bytes(first) == _bytes(second)


def test_unchanged_bots_are_not_redrawn_and_changed_ones_are(tmp_path):
    bots = _bots()
    paths = draw_thumbnails(bots, out_dir=tmp_path, jobs=1)
    old = os.stat(paths["dril"]).st_mtime_ns - 10**9
    for path in paths.values():
        os.utime(path, ns=(old, old))
    before = _bytes(paths)

    assert draw_thumbnails(bots, out_dir=tmp_path, jobs=1) == paths
    assert all(os.stat(p).st_mtime_ns == old for p in paths.values())

    changed = make_bot("dril", [("dril", "wint", 3101, 120, 30)])  # one count differs
    draw_thumbnails([changed, *bots[1:]], out_dir=tmp_path, jobs=1)
    assert os.stat(paths["dril"]).st_mtime_ns != old
    assert paths["dril"].read_bytes() != before["dril"]
    assert all(os.stat(paths[n]).st_mtime_ns == old for n in paths if n != "dril")


def test_pngs_are_made_durable_at_once_before_the_manifest_names_them(tmp_path, monkeypatch):
    """No fsync a thumbnail (they cost ~0.5 ms of CPU each in a build): one os.sync after every
    PNG is written and before the manifest, so a crash never leaves a manifest naming a torn PNG."""
    from generator import files

    events = []
    real_write = files.atomic_write
    monkeypatch.setattr(os, "fsync", lambda fd: events.append(("fsync", None)))
    monkeypatch.setattr(os, "sync", lambda: events.append(("sync", None)))

    def write(path, data, *, sync=True):
        events.append(("write", Path(path).name))
        real_write(path, data, sync=sync)

    monkeypatch.setattr(thumbnails.stage, "atomic_write", write)
    monkeypatch.setattr(files, "atomic_write", write)
    paths = draw_thumbnails(_bots(), out_dir=tmp_path, jobs=1)
    kinds = [kind for kind, _ in events]
    pngs = [i for i, (kind, name) in enumerate(events) if kind == "write" and name.endswith(".png")]
    assert len(pngs) == len(paths) == 4 and kinds.count("sync") == 1
    assert max(pngs) < kinds.index("sync") < events.index(("write", thumbnails.MANIFEST))
    assert kinds.count("fsync") == 1 and kinds.index("fsync") > events.index(("write", thumbnails.MANIFEST))  # the manifest's own
    events.clear()
    assert draw_thumbnails(_bots(), out_dir=tmp_path, jobs=1) == paths  # nothing drawn: nothing to sync
    assert [kind for kind, _ in events] == ["write", "fsync"]


def test_missing_png_is_redrawn_and_departed_bots_are_removed(tmp_path):
    bots = _bots()
    paths = draw_thumbnails(bots, out_dir=tmp_path, jobs=1)
    original = paths["dril"].read_bytes()
    paths["dril"].unlink()
    (tmp_path / "unrelated.png").write_bytes(b"not ours")

    again = draw_thumbnails(bots[:2], out_dir=tmp_path, jobs=1)
    assert set(again) == {"dril", "kanyewest-yamada"}
    assert paths["dril"].read_bytes() == original
    assert not paths["nocounts"].exists() and not paths["a-b-c-d"].exists()
    assert (tmp_path / "unrelated.png").read_bytes() == b"not ours"  # only PNGs we drew are removed
    manifest = json.loads((tmp_path / ".manifest.json").read_text())
    assert set(manifest["bots"]) == {"dril", "kanyewest-yamada"}


def test_cached_avatar_is_used_else_a_deterministic_initials_avatar(tmp_path):
    avatars = tmp_path / "avatars"
    avatars.mkdir()
    url = "https://pbs.twimg.com/profile_images/9/yamada_400x400.jpg"
    assert avatar_cache_path(avatars, url) is None
    stem = hashlib.sha256(url.encode()).hexdigest()[:16]
    Image.new("RGB", (300, 200), (255, 0, 128)).save(avatars / f"{stem}.png")
    assert avatar_cache_path(avatars, url) == avatars / f"{stem}.png"

    bot = make_bot("kanyewest-yamada", [("kanyewest", "ye", 1, 1, 1), ("yamada", "山田太郎", 1, 1, 1, url)])
    with_avatar = draw_thumbnails([bot], out_dir=tmp_path / "with", avatars_dir=avatars, jobs=1)["kanyewest-yamada"]
    without = draw_thumbnails([bot], out_dir=tmp_path / "without", jobs=1)["kanyewest-yamada"]

    cx, cy = _avatar_centre(1, bot)
    assert _pixel(with_avatar, (cx, cy)) == (255, 0, 128)
    inside = (cx + 40, cy + 30)  # on the disc, clear of the initial
    colour = _pixel(without, inside)
    assert colour != (255, 0, 128)
    assert "#%02x%02x%02x" % colour in thumbnails.INITIALS_COLOURS
    # a photo keeps the card RGB; flat initials-only cards are stored as a palette PNG
    assert Image.open(with_avatar).mode == "RGB" and Image.open(without).mode == "P"
    # the first user has no cached image in either run: the same initials avatar both times
    x0, y0 = _avatar_centre(0, bot)
    assert _pixel(with_avatar, (x0 - 40, y0 + 30)) == _pixel(without, (x0 - 40, y0 + 30))
    # the same handle gets the same colour in another bot
    solo_bot = make_bot("yamada", [("yamada", "Y", 1, 1, 1)])
    solo = draw_thumbnails([solo_bot], out_dir=tmp_path / "solo", jobs=1)
    sx, sy = _avatar_centre(0, solo_bot)
    assert _pixel(solo["yamada"], (sx + 40, sy + 30)) == colour

    # the cache's location is not drawn: a moved cache does not redraw
    moved = tmp_path / "moved"
    avatars.rename(moved)
    before = os.stat(with_avatar).st_mtime_ns
    draw_thumbnails([bot], out_dir=tmp_path / "with", avatars_dir=moved, jobs=1)
    assert os.stat(with_avatar).st_mtime_ns == before
    avatars = moved

    # replacing the cached image (same URL) redraws the thumbnail
    Image.new("RGB", (300, 200), (0, 200, 0)).save(avatars / f"{stem}.png")
    draw_thumbnails([bot], out_dir=tmp_path / "with", avatars_dir=avatars, jobs=1)
    assert _pixel(with_avatar, (cx, cy)) == (0, 200, 0)


def test_unreadable_cached_avatar_falls_back_to_initials(tmp_path, caplog):
    avatars = tmp_path / "avatars"
    avatars.mkdir()
    bot = make_bot("dril", [("dril", "wint", 1, 1, 1)])
    (avatars / f"{hashlib.sha256(bot.users[0].avatar.encode()).hexdigest()[:16]}.jpg").write_bytes(b"garbage")
    path = draw_thumbnails([bot], out_dir=tmp_path / "out", avatars_dir=avatars, jobs=1)["dril"]
    reference = draw_thumbnails([bot], out_dir=tmp_path / "ref", jobs=1)["dril"]
    assert path.read_bytes() == reference.read_bytes()
    assert "huggingtweets/dril: cached avatar" in caplog.text


def test_hard_names_render_without_missing_glyphs(tmp_path):
    bots = [
        make_bot(f"u{i}", [(f"u{i}", name, 10, 1, 1)], prompt=name) for i, name in enumerate(HARD_NAMES)
    ] + [
        make_bot("cjk-mix", [("cjk", HARD_NAMES[0], 5, 5, 5), ("mix", HARD_NAMES[6], 5, 5, 5)]),
        make_bot("nousers", []),  # a card whose table could not be read at all
    ]
    samples = {"u0": ["和平 " * 60], "u8": ["أن أعيش في سلام مع الجميع 🌈 👩‍💻 and $5 tacos"]}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        warnings.filterwarnings("error", category=UserWarning, module="matplotlib")
        paths = draw_thumbnails(bots, out_dir=tmp_path, samples=samples, jobs=1)
    assert len(paths) == len(bots)


def test_clean_text_keeps_scripts_and_drops_what_would_be_a_box():
    assert clean_text("山田 محمد 👩‍💻 𝐁𝐨𝐥𝐝") == "山田 محمد 👩‍💻 𝐁𝐨𝐥𝐝"
    assert clean_text("🫠 melting") == "melting"
    assert clean_text("a\u202eb\tc\n\nd\x00e") == "ab c d e"
    assert clean_text(None) == ""
    assert thumbnails._initials("𝐁𝐨𝐥𝐝 𝐍𝐚𝐦𝐞", "x") == "BN"
    assert thumbnails._initials("محمد dev", "x") == "م"
    assert thumbnails._initials("🦊", "fox") == "F"


def test_dollar_signs_are_literal_even_with_usetex_on(tmp_path):
    # Unbalanced TeX would raise if mathtext or usetex saw it.
    bot = make_bot("math", [("math", r"$x^2$ costs $\frac{1}{$", 10, 1, 1)], prompt=r"$\alpha$ is")
    with matplotlib.rc_context({"text.usetex": True}):
        path = draw_thumbnails([bot], out_dir=tmp_path, samples={"math": [r"$$ \sqrt{ $"]}, jobs=1)["math"]
    with Image.open(path) as im:
        assert im.size == (1200, 630)


def test_samples_replace_the_chart_and_count_as_drawn_fields(tmp_path):
    bot = _bots()[0]
    chart = draw_thumbnails([bot], out_dir=tmp_path, jobs=1)["dril"].read_bytes()
    sample = draw_thumbnails([bot], out_dir=tmp_path, samples={"dril": ["", "to eat a whole chicken"]}, jobs=1)
    assert sample["dril"].read_bytes() != chart
    other = draw_thumbnails([bot], out_dir=tmp_path, samples={"dril": ["something else entirely"]}, jobs=1)
    assert other["dril"].read_bytes() not in (chart, sample)


def test_parallel_result_equals_serial(tmp_path):
    bots = _bots()
    serial = draw_thumbnails(bots, out_dir=tmp_path / "serial", jobs=1)
    parallel = draw_thumbnails(bots, out_dir=tmp_path / "parallel", jobs=2)
    assert _bytes(serial) == _bytes(parallel)


def test_bad_names_are_skipped_and_collisions_refused(tmp_path, caplog):
    good, bad = _bots()[0], make_bot("../evil", [("evil", "Evil", 1, 1, 1)])
    paths = draw_thumbnails([good, bad], out_dir=tmp_path / "out", jobs=1)
    assert set(paths) == {"dril"}
    assert "huggingtweets/../evil" in caplog.text
    assert not (tmp_path / "evil.png").exists()
    twin = make_bot("DRIL", [("DRIL", "other", 1, 1, 1)])
    with pytest.raises(OutputCollisionError, match="DRIL"):
        draw_thumbnails([good, twin], out_dir=tmp_path / "out", jobs=1)


def test_a_bot_that_fails_to_draw_is_reported_and_the_rest_go_on(tmp_path, monkeypatch, caplog):
    bots = _bots()[:2]
    paths = draw_thumbnails(bots, out_dir=tmp_path, jobs=1)
    real_draw = thumbnails._draw

    def flaky(card):
        if card.name == "dril":
            raise RuntimeError("boom")
        return real_draw(card)

    monkeypatch.setattr(thumbnails.draw, "_draw", flaky)
    changed = [make_bot("dril", [("dril", "wint", 1, 2, 3)]), make_bot("kanyewest-yamada", [("kanyewest", "ye", 1, 1, 1)])]
    result = draw_thumbnails(changed, out_dir=tmp_path, jobs=1)
    assert set(result) == {"kanyewest-yamada"}
    assert "thumbnails: huggingtweets/dril: not drawn: RuntimeError: boom" in caplog.text
    assert not paths["dril"].exists()  # no stale image left behind
    assert "dril" not in json.loads((tmp_path / ".manifest.json").read_text())["bots"]
    monkeypatch.setattr(thumbnails.draw, "_draw", real_draw)
    assert set(draw_thumbnails(changed, out_dir=tmp_path, jobs=1)) == {"dril", "kanyewest-yamada"}


# --- the drawing shortcuts give the pixels matplotlib's own drawing gives ---------------


def _shortcut_cards() -> list:
    bots = _bots() + [make_bot(f"hard{i}", [(f"hard{i}", n, 1, 1, 1)]) for i, n in enumerate(HARD_NAMES)]
    return [thumbnails.card._card(b, None, None) for b in bots]


def _pixels_of(card, monkeypatch, *, plain: bool) -> bytes:
    """The RGBA pixels of ``card``: with the shortcuts, or (``plain``) by matplotlib's own drawing."""
    import numpy as np

    from generator.thumbnails import canvas

    grabbed = []

    def png(self):
        if plain:  # every text a real Text artist, drawn by fig.canvas.draw()
            self._draw_reference()
        else:
            self._draw()
        grabbed.append(np.asarray(self.fig.canvas.buffer_rgba()).tobytes())
        return b""

    with monkeypatch.context() as m:
        m.setattr(canvas._Canvas, "png", png)
        if plain:  # matplotlib's text drawing, no cached glyphs or layouts
            m.setattr(canvas._Renderer, "draw_text", canvas.RendererAgg.draw_text)
        thumbnails._draw(card)
    return grabbed[0]


def test_cached_glyphs_and_the_copied_background_give_matplotlibs_own_pixels(monkeypatch):
    from generator.thumbnails import canvas

    with thumbnails.mpl_style():
        for card in _shortcut_cards():
            canvas._Renderer._glyphs.clear()  # drawn cold, then again from the caches
            cold = _pixels_of(card, monkeypatch, plain=False)
            warm = _pixels_of(card, monkeypatch, plain=False)
            plain = _pixels_of(card, monkeypatch, plain=True)
            assert cold == warm == plain, card.id
        assert canvas._Renderer._glyphs and canvas._backgrounds  # the caches were used


def test_glyph_and_layout_caches_stay_within_their_bounds(monkeypatch):
    from generator.thumbnails import canvas

    monkeypatch.setattr(canvas, "MAX_CACHED_GLYPHS", 50)
    monkeypatch.setattr(canvas, "MAX_CACHED_LAYOUTS", 5)
    monkeypatch.setattr(canvas, "MAX_CACHED_GLYPH_METRICS", 20)
    monkeypatch.setattr(canvas, "MAX_PAIRS_A_STYLE", 30)
    canvas._Renderer._glyphs.clear()
    canvas._Renderer._layouts.clear()
    canvas._Renderer._offsets.clear()
    canvas._Renderer._glyph_metrics.clear()
    canvas._Renderer._pairs.clear()
    canvas._metrics.cache_clear()
    longest = max((s for card in _shortcut_cards() for s in (card.title, card.handle, card.id, card.prompt)), key=len)
    with thumbnails.mpl_style():
        for card in _shortcut_cards():
            thumbnails._draw(card)
            assert len(canvas._Renderer._glyphs) <= 50 and len(canvas._Renderer._layouts) <= 5
            assert 0 < len(canvas._Renderer._offsets) <= 5
            assert 0 < len(canvas._Renderer._glyph_metrics) <= 20
            most = 30 + len(canvas.PREWARM_CHARS) ** 2 + 1 + 2 * len(longest)  # the bound, then one string's (and the prewarm's)
            assert all(len(pairs) <= most for pairs in canvas._Renderer._pairs.values())
    assert canvas._metrics.cache_info().maxsize == canvas.MAX_CACHED_METRICS
    canvas._Renderer._glyphs.clear()
    canvas._Renderer._layouts.clear()
    canvas._Renderer._offsets.clear()
    canvas._Renderer._glyph_metrics.clear()
    canvas._Renderer._pairs.clear()
    canvas._metrics.cache_clear()


def test_only_what_a_card_changed_is_looked_up_in_the_palette_with_the_same_indices(monkeypatch):
    """:func:`_changed_rows` (the background's indices where a card left the background as it
    was, the pixels that differ looked up) gives every pixel the index the whole lookup gives,
    in PNG rows of filter type 0; a card that changed nothing is the background's rows."""
    import numpy as np

    from generator.thumbnails import canvas

    looked_up = []
    real = canvas._indices

    def spy(pixels):
        looked_up.append(pixels.size)
        return real(pixels)

    with thumbnails.mpl_style():
        for card in _shortcut_cards():
            grabbed = []
            real_png = canvas._Canvas.png

            def png(self):
                data = real_png(self)
                grabbed.append(np.frombuffer(self.fig.canvas.buffer_rgba(), dtype="<u4").reshape(canvas.HEIGHT, canvas.WIDTH))
                return data

            with monkeypatch.context() as m:
                m.setattr(canvas._Canvas, "png", png)
                thumbnails._draw(card)
            background = canvas._background_pixels["card"]
            looked_up.clear()
            with monkeypatch.context() as m:
                m.setattr(canvas, "_indices", spy)
                rows = canvas._changed_rows(grabbed[0], background)
            assert rows.shape == (canvas.HEIGHT, canvas.WIDTH + 1) and not rows[:, 0].any()
            assert (rows[:, 1:] == real(grabbed[0])).all(), card.id
            assert 0 < sum(looked_up) < grabbed[0].size * 0.3, card.id  # the untouched rest is not looked up
        unchanged = canvas._changed_rows(background[0].copy(), background)
        assert (unchanged == background[1]).all() and unchanged is not background[1]


def test_handles_ids_and_counts_laid_out_from_pairs_are_laid_out_as_matplotlib_does():
    """:meth:`_Renderer._paired_layout` (a string of handle, repo id and count characters put
    together from its pairs' layouts) gives the glyphs and pens of ``FT2Font._layout``; a pair
    that is a ligature ("fi") sends the string to the real layout."""
    import random

    from matplotlib.backends.backend_agg import get_hinting_flag

    from generator import corpus
    from generator.thumbnails import canvas

    rng = random.Random(14)
    taken: set[str] = set()
    chars = sorted(canvas.PAIRED_CHARS)
    strings = [
        "fi", "office", "AVAWAY", "1,234", "@_-/", "huggingtweets/a-b_c",
        *(f"@{corpus._handle(rng, taken)}" for _ in range(20)),
        *(f"huggingtweets/{corpus._handle(rng, taken)}-{corpus._handle(rng, taken)}" for _ in range(20)),
        *(f"{rng.randint(0, 10**7):,}" for _ in range(20)),
        *("".join(rng.choice(chars) for _ in range(rng.randint(1, 40))) for _ in range(60)),
        *corpus._NAMES, "Sam García & Łukasz Ñandú", "Mr. \"Quotes\" & 50% off!", "  a  b  ", "T", "AV Ta. Wo", "C++ fan",
        "1,222 of 3,120 tweets kept for training", "My dream is", "huggingtweets gallery",
    ]  # fmt: skip
    paired = 0
    with thumbnails.mpl_style():
        renderer = canvas._measuring_figure().canvas.get_renderer()
        for px, weight in ((30, "normal"), (22, "normal"), (48, "bold"), (17.28, "normal")):
            prop = canvas._font(px, weight)
            font = renderer._prepare_font(prop)
            for s in strings:
                got = renderer._paired_layout(s, prop)
                if got is None:
                    flags = get_hinting_flag()  # only a string with a ligature ("fi", "ff") or other characters is refused
                    assert not canvas.PAIRED_CHARS.issuperset(s) or any(
                        len(font._layout(s[i : i + 2], flags=flags)) < 2 for i in range(len(s) - 1)
                    ), s
                    continue
                paired += 1
                real = [(i.ft_object.fname, i.glyph_index, i.x, i.y) for i in font._layout(s, flags=get_hinting_flag())]
                assert [(ft.fname, g, x, y) for ft, g, x, y in got] == real, (s, px, weight)
            assert renderer._paired_layout("office", prop) is None and renderer._paired_layout("山@", prop) is None
            assert renderer._paired_layout("e\u0301", prop) is None  # a combining mark: HarfBuzz's own layout
    assert paired > 0.9 * sum(map(canvas.PAIRED_CHARS.issuperset, strings)) * 4
    assert len(canvas._Renderer._pairs) <= canvas.MAX_PAIR_STYLES


def test_text_measured_from_its_layout_has_matplotlibs_own_figures():
    """:meth:`_Renderer.measure` (from the layout, one shaping a string) gives exactly what
    matplotlib's own measuring gives (shaping the string again), which :class:`Text` and the
    fitting use: real and synthetic names, handles, repo ids, every character the layout path
    admits, at the sizes a card uses; text it does not admit goes to matplotlib's own."""
    import random

    from generator import corpus
    from generator.style import _coverage, clean_text
    from generator.thumbnails import canvas

    from .test_thumbnail_text import REAL_NAMES

    rng = random.Random(14)
    taken: set[str] = set()
    admitted = [chr(c) for c in sorted(_coverage()) if canvas._by_advances(chr(c))]
    strings = {
        *HARD_NAMES, *corpus._NAMES, *(n for card in REAL_NAMES.values() for n in (card["display_name"], *card["user_names"]) if n),
        " ", "a  b ", "fi fl ffi", "AVAWAY T.", "-", "_", "~", "“x …”", "+3", "1,234 of 5,678 tweets kept",
        *(f"@{corpus._handle(rng, taken)}" for _ in range(40)),
        *(f"huggingtweets/{corpus._handle(rng, taken)}-{corpus._handle(rng, taken)}" for _ in range(20)),
        *("".join(rng.choice(admitted) for _ in range(rng.randint(1, 10))) for _ in range(60)),
    }  # fmt: skip
    strings = sorted({clean_text(s) for s in strings} - {""})
    assert len(admitted) > 40_000 and canvas._by_advances("@ab_9 Zoë 山田 김민준 𝐁 🦌")
    assert not any(map(canvas._by_advances, ("e\u0301", "محمد", "שלום", "👩\u200d💻", "नमस्ते")))
    fast = 0
    with thumbnails.mpl_style():
        renderer = canvas._measuring_figure().canvas.get_renderer()
        for px in (44, 30, 22, 14, 128 * 0.41, 17.28):
            for weight in ("normal", "bold"):
                prop = canvas._font(px, weight)
                for s in strings:
                    fast += canvas._by_advances(s)
                    expected = canvas.RendererAgg.get_text_width_height_descent(renderer, s, prop, False)
                    assert renderer.measure(s, prop) == expected, (s, px, weight)
    assert fast > 0.9 * len(strings) * 12


def test_the_palette_keeps_flat_colours_exact_and_shades_close(monkeypatch):
    """Every colour a card is drawn in is in the palette exactly; anti-aliased pixels move little."""
    import io

    import numpy as np

    from generator.faces import INITIALS_COLOURS
    from generator.thumbnails import canvas

    palette = {tuple(c) for c in canvas._card_palette().tolist()}
    drawn = [canvas.INK, canvas.MUTED, canvas.FAINT, canvas.PAPER, canvas.PAGE, *canvas.BADGE_COLOURS.values(),
             *canvas.COUNT_COLOURS.values(), *INITIALS_COLOURS]  # fmt: skip
    assert {canvas._rgb(c) for c in drawn} <= palette
    assert len(palette) < 256
    seen = []
    real_png = canvas._Canvas.png

    def png(self):
        data = real_png(self)
        rgb = np.asarray(self.fig.canvas.buffer_rgba())[..., :3].astype(int)
        with Image.open(io.BytesIO(data)) as im:
            assert im.mode == "P"
            out = np.asarray(im.convert("RGB")).astype(int)
        seen.append(np.abs(rgb - out))
        return data

    monkeypatch.setattr(canvas._Canvas, "png", png)
    with thumbnails.mpl_style():
        for card in _shortcut_cards():
            thumbnails._draw(card)
    error = np.stack(seen)
    assert error.mean() < 0.5 and error.max() <= 32
    assert (error.sum(axis=-1) == 0).mean() > 0.95  # the flat areas: nearly every pixel exact



def test_text_without_artists_lands_where_matplotlibs_text_does(monkeypatch):
    """Every alignment :class:`_TextOp` knows, at fractional positions: the pen it computes is
    the one :meth:`Text.draw` uses (the same pixels as a real Text drawn by matplotlib alone)."""
    import numpy as np

    from generator.thumbnails import canvas

    def pixels(draw) -> np.ndarray:
        renderer = fig.canvas.get_renderer()
        renderer.clear()
        draw(renderer)
        return np.asarray(renderer.buffer_rgba()).copy()

    def real_text(renderer) -> None:
        with monkeypatch.context() as m:
            m.setattr(canvas._Renderer, "draw_text", canvas.RendererAgg.draw_text)
            text = op.artist(fig, 3)
            text.draw(renderer)
            text.remove()

    with thumbnails.mpl_style():
        fig = canvas._measuring_figure()
        for ha in ("left", "center", "right"):
            for va in ("top", "bottom", "center", "baseline", "center_baseline"):
                op = canvas._TextOp(300.3, 200.7, "Tyg ÅV 山田 عربي", 37.5, canvas.INK, "bold", ha, va)
                ours = pixels(lambda r: op.draw(fig, r))
                assert ours.any() and (ours == pixels(real_text)).all(), (ha, va)


def test_pairs_learnt_from_a_whole_string_are_the_pairs_laid_out_alone(monkeypatch):
    """:meth:`_Renderer._learn_pairs` takes every pair of a new string from one layout of the
    string: each is what laying the pair out alone gives (glyph and pen, the same floats), for
    every pair of printable ASCII and, sampled, of the rest of :data:`PAIRED_CHARS`; a string with
    a ligature learns its pairs one by one."""
    import random

    from matplotlib.backends.backend_agg import get_hinting_flag

    from generator.thumbnails import canvas

    rng = random.Random(14)
    chars = sorted(canvas.PAIRED_CHARS)
    ascii_chars = [c for c in chars if c < "\x7f"]
    assert len(ascii_chars) == 95 and "Ł" in chars and "ñ" in chars
    strings = ["".join(a + b for b in ascii_chars) for a in ascii_chars]
    strings += ["".join(a + b for b in rng.sample(chars, 24)) for a in chars if a >= "\x7f"]
    flags = get_hinting_flag()
    monkeypatch.setattr(canvas, "MAX_PAIRS_A_STYLE", 10**6)  # all of them at once
    with thumbnails.mpl_style():
        renderer = canvas._measuring_figure().canvas.get_renderer()
        for px, weight in ((26, "normal"), (44, "bold")):
            prop = canvas._font(px, weight)
            font = renderer._prepare_font(prop)
            learnt: dict[str, tuple] = {}
            for s in strings:
                renderer._learn_pairs(s, prop, learnt)
            assert len(learnt) > 95 * 95 + len(chars)
            for pair, got in learnt.items():
                alone = font._layout(pair, flags=flags)
                if len(alone) < len(pair):
                    assert got == (), pair  # a ligature ("fi"): never put together
                    continue
                want = (alone[-1].ft_object.fname, alone[-1].glyph_index, alone[-1].x)
                assert (got[0].fname, got[1], got[2]) == want, (pair, px, weight)


def test_glyph_pens_from_whole_offsets_are_matplotlibs_at_ties_too():
    """:meth:`_Renderer.draw_text` puts each glyph at round(64 x) plus its offset in 1/64 px, and at
    a pen that is a tie for round() (x.5 in 1/64 px: broken to even) glyph by glyph: either way
    the pixels matplotlib's own ``draw_text`` gives."""
    import numpy as np

    from generator.thumbnails import canvas

    with thumbnails.mpl_style():
        renderer = canvas._measuring_figure().canvas.get_renderer()
        gc = renderer.new_gc()
        gc.set_foreground((0.1, 0.2, 0.3, 1.0), isRGBA=True)
        gc.set_antialiased(True)
        for s, px in (("Sam García & @ab_9-x", 30), ("山田太郎 🦌", 22), ("office 1,234", 44)):
            prop = canvas._font(px, "normal")
            for x in (100.0, 100 + 1 / 128, 100 + 3 / 128, 100.3, 57 + 129 / 128):
                for y in (300.0, 300 + 1 / 128, 300.71):
                    drawn = []
                    for draw in (canvas._Renderer.draw_text, canvas.RendererAgg.draw_text):
                        renderer.clear()
                        draw(renderer, gc, x, y, s, prop, 0)
                        drawn.append(np.asarray(renderer.buffer_rgba()).copy())
                    assert drawn[1].any() and (drawn[0] == drawn[1]).all(), (s, x, y)
        assert canvas._Renderer._offsets


def test_the_first_handle_a_style_meets_teaches_it_every_handle_pair():
    """The first string of :data:`PREWARM_CHARS` a style learns from also lays out a string with
    every pair of them side by side (:func:`_all_pairs`), once: afterwards every such pair is
    known, each what laying it out alone gives; a ligature's pairs ("fi") are never put together."""
    from matplotlib.backends.backend_agg import get_hinting_flag

    from generator.thumbnails import canvas

    chars = canvas.PREWARM_CHARS
    every = canvas._all_pairs(chars)
    assert len(every) == len(chars) ** 2 + 1 and len({every[i : i + 2] for i in range(len(every) - 1)}) == len(chars) ** 2
    flags = get_hinting_flag()
    with thumbnails.mpl_style():
        renderer = canvas._measuring_figure().canvas.get_renderer()
        prop = canvas._font(30, "normal")
        font = renderer._prepare_font(prop)
        learnt: dict[str, tuple] = {}
        renderer._learn_pairs("@ab", prop, learnt)  # too short to be worth it
        assert canvas.PREWARM_PAIRS not in learnt
        renderer._learn_pairs("@office-hours_2", prop, learnt)
        assert canvas.PREWARM_PAIRS in learnt
        for a in sorted(chars):
            for b in sorted(chars):
                got = learnt.get(a + b)
                alone = font._layout(a + b, flags=flags)
                if len(alone) < 2:
                    assert got in (None, ()), a + b
                    continue
                assert got, a + b
                assert (got[0].fname, got[1], got[2]) == (alone[-1].ft_object.fname, alone[-1].glyph_index, alone[-1].x)
        assert learnt["fi"] == () and renderer._paired_layout("office", prop) is None
