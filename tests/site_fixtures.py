"""Session fixtures shared by test_site.py and test_browser.py (loaded by conftest.py with ``pytest_plugins``).

Building a site takes seconds (thumbnails, MkDocs), so one synthetic corpus
site is built per test session and read by every test that only looks at it.
The corpus mixes the four seed cards (real handles such as @dril in a
cyborg), synthetic cards of every era, and cards with hostile names.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from generator import corpus, history, snapshot
from generator.models import Bot
from generator.serve import make_server
from generator.site import build

ROOT = Path(__file__).resolve().parent.parent
SEED_CARDS = ROOT / "tests" / "fixtures" / "golden" / "cards"

#: Display names that would break a page if anything were left unescaped.
HOSTILE_NAMES = (
    '<script>alert("pwned")</script>',
    "Mr. \"Quotes\" 'n' <b>bold</b> & co",
    "{{ 7*7 }} {% raw %}",
    "---",
    "[click](javascript:alert(1))",
)


def hostile_specs() -> list[corpus.CardSpec]:
    """Cards whose names are markup, template syntax, YAML and Markdown, and whose runs are ``javascript:``."""
    base = corpus.random_spec(random.Random(7), template=corpus.MULTI_USER_TEMPLATE, n_users=2)
    users = (
        corpus.SpecUser("evil_one", HOSTILE_NAMES[0], "javascript:alert(1)", 10, 5, 300),
        corpus.SpecUser("evil_two", HOSTILE_NAMES[1], "https://pbs.twimg.com/profile_images/1/x_400x400.jpg", 20, 6, 200),
    )
    single = corpus.SpecUser("yaml_dash", HOSTILE_NAMES[3], "https://pbs.twimg.com/profile_images/2/y_400x400.jpg", 1, 2, 40)
    braces = corpus.SpecUser("braces", HOSTILE_NAMES[2], "https://pbs.twimg.com/profile_images/3/z_400x400.jpg", 3, 4, 50)
    link = corpus.SpecUser("mdlink", HOSTILE_NAMES[4], "https://pbs.twimg.com/profile_images/4/w_400x400.jpg", 3, 4, 60)
    out = []
    for i, us in enumerate([users, (single,), (braces,), (link,)]):
        meta = dict(base.meta, id=f"huggingtweets/{'-'.join(sorted(u.handle for u in us))}")
        out.append(
            corpus.CardSpec(
                template=corpus.MULTI_USER_TEMPLATE,
                users=us,
                thumbnail="javascript:alert(2)",
                wandb_preprocess="javascript:alert(3)",
                wandb_train=f"https://wandb.ai/wandb/huggingtweets/runs/hostile{i}",
                meta=meta,
            )
        )
    return out


#: Bots whose handles and names make search ranking visible for the query "iz"
#: (gallery.js): the exact handle, a cyborg with that handle, a handle that
#: starts with it, a display-name word that starts with it, a substring.
RANKING_BOTS = (
    ("bizkit", "Limp Fan"),  # substring only
    ("stonefan", "Izzy Stone"),  # display-name word
    ("izabella", "Bella"),  # handle prefix
    ("iz", "Iz"),  # the exact handle
)
RANKING_CYBORG = (("iz", "Iz"), ("quux", "Quux"))  # a cyborg with the handle "iz"


def ranking_specs() -> list[corpus.CardSpec]:
    """Single-user bots (and one cyborg) named for the ranking tests, with low downloads so sort order cannot explain the ranking."""
    rng = random.Random(11)
    out = []
    for i, users in enumerate([*[(u,) for u in RANKING_BOTS], RANKING_CYBORG]):
        base = corpus.random_spec(rng, template=corpus.MULTI_USER_TEMPLATE, n_users=len(users))
        spec_users = tuple(
            corpus.SpecUser(h, name, f"https://pbs.twimg.com/profile_images/9{i}{j}/r_400x400.jpg", 5, 5, 100)
            for j, (h, name) in enumerate(users)
        )
        # Fewer downloads for better matches: only the ranking can put them first.
        meta = dict(base.meta, id=f"huggingtweets/{'-'.join(sorted(h for h, _ in users))}", downloads=100 + 10 * (4 - i), likes=0)
        out.append(corpus.CardSpec(template=corpus.MULTI_USER_TEMPLATE, users=spec_users, thumbnail=base.thumbnail,
                                   wandb_preprocess=base.wandb_preprocess, wandb_train=base.wandb_train, meta=meta))  # fmt: skip
    return out


@dataclass(frozen=True)
class BuiltSite:
    docs: Path
    site: Path
    bots: list[Bot]


#: The corpus bot that rises most over the history's last seven nights.
RISING_BOT = "stonefan"


def write_history(cards: Path, *, nights: int = 9) -> None:
    """Nightly counts ending with the snapshot's own: each bot gains a little a night, RISING_BOT most."""
    now = history.current_counts(cards)
    start = date(2026, 11, 1)
    for i in range(nights):
        back = nights - 1 - i
        counts = {}
        for name, (d, likes) in now.items():
            gain = 15 if name == RISING_BOT else len(name) % 3
            counts[name] = (None if d is None else max(0, d - back * gain), likes)
        history.record(cards, day=start + timedelta(days=i), counts=counts)


def cache_avatars(cards: Path, specs: list[corpus.CardSpec], *, every: int = 2) -> list[str]:
    """Put a small JPEG in the snapshot's avatar cache for every ``every``-th account; return their URLs.

    The other accounts keep initials, so pages and cards show both kinds of face.
    """
    from PIL import Image

    urls = sorted({u.avatar for spec in specs for u in spec.users if u.avatar.startswith("https://")})[::every]
    folder = cards / snapshot.AVATARS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for i, url in enumerate(urls):
        Image.new("RGB", (48, 48), ((37 * i) % 256, (91 * i) % 256, 160)).save(
            folder / f"{snapshot.avatar_cache_stem(url)}.jpg", "JPEG", quality=70
        )
    return urls


def build_corpus(tmp: Path, *, n: int = 120) -> BuiltSite:
    """Synthetic + seed + hostile cards (with nightly counts and some cached avatars) -> a staged docs/ and a finished site/ under ``tmp``."""
    cards = tmp / "cards"
    specs = corpus.generate(n, seed=3) + hostile_specs() + ranking_specs()
    corpus.write_snapshot(cards, specs, seed=3)
    cache_avatars(cards, specs)
    write_history(cards)
    stale = tmp / "docs" / "img" / "small" / "annhertzz.webp"  # what an older build left (site.RETIRED)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"RIFF")
    report = build(cards=[cards, SEED_CARDS], out_dir=tmp / "site", jobs=2, docs_dir=tmp / "docs")
    return BuiltSite(docs=tmp / "docs", site=tmp / "site", bots=report.bots)


@pytest.fixture(scope="session")
def corpus_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GALLERY_SITE_URL", "")
        return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def served_site(corpus_site: BuiltSite):
    """The corpus site on http://127.0.0.1:<port>/ for the session; yields the base URL."""
    server = make_server(corpus_site.site, port=0, quiet=True)  # 404.html for a missing path, as GitHub Pages
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
