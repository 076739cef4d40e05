"""Build caches: a rebuild of unchanged cards reads no card, rewrites no page and redraws no image,
and its output is byte for byte what a build without any cache makes.

No timings here (those are bench/bench_scale.py's): the tests count what was
redone and compare trees.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from generator import buildcache, corpus, normalise, render
from generator.site import THUMBS, build

GOLDEN_CARDS = Path(__file__).resolve().parent / "fixtures" / "golden" / "cards"


@pytest.fixture
def cards(tmp_path, monkeypatch) -> Path:
    """The four seed cards plus synthetic ones of every era (a cyborg whose columns map, too)."""
    monkeypatch.setenv("GALLERY_SNAPSHOT_DATE", "2021-10-31")
    out = tmp_path / "cards"
    corpus.write_snapshot(out, corpus.generate(12, seed=5), seed=5)
    for card in GOLDEN_CARDS.iterdir():
        shutil.copytree(card, out / card.name)
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (dot-folders, i.e. caches, left out) -> its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def mtimes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def test_rebuilds_redo_only_what_changed_and_match_a_build_without_cache(cards, tmp_path, monkeypatch, caplog):
    """One build after another, as a developer or the nightly job runs them (each step one build)."""
    docs, site = tmp_path / "docs", tmp_path / "site"
    cold = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert cold.cards_read == 16 and cold.pages_written > 16
    assert (docs / buildcache.CACHE_DIR / buildcache.CARDS_FILE).is_file()
    before_docs, before_site, stamps = tree(docs), tree(site), mtimes(docs)
    # The images reach the site by link, not through MkDocs, and only the images.
    for bot in cold.bots:
        for rel in (f"{THUMBS}/{bot.name}.png",):
            assert (site / rel).read_bytes() == (docs / rel).read_bytes()
    assert not any(p.name.startswith(".") for p in (site / "img").rglob("*"))

    # 1. Nothing changed: no card parsed, no page written, no image redrawn.
    def no_parsing(data: bytes):
        raise AssertionError("a card was parsed although its bytes did not change")

    cache_file = docs / buildcache.CACHE_DIR / buildcache.CARDS_FILE
    cache_stamp = cache_file.stat().st_mtime_ns
    with monkeypatch.context() as mp:
        mp.setattr(normalise, "parse_card", no_parsing)
        warm = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert (warm.cards_read, warm.pages_written) == (0, 0)
    assert cache_file.stat().st_mtime_ns == cache_stamp  # it already holds what this build used
    assert [b.name for b in warm.bots] == [b.name for b in cold.bots]
    assert tree(docs) == before_docs and tree(site) == before_site
    # Not even touched: the statistics charts are not redrawn either (their numbers did not change).
    touched = {rel for rel, ns in mtimes(docs).items() if stamps.get(rel) != ns}
    assert not touched, touched
    assert (docs / buildcache.CACHE_DIR / "charts.json").is_file()

    # 2. One card changed: only it is read again, and its page shows the change.
    readme = cards / "getfiscal" / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"Don Hughes", b"Donna Hughes"))
    changed = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert changed.cards_read == 1
    assert "Donna Hughes" in (docs / "bots/getfiscal.md").read_text(encoding="utf-8")

    # 3. A build from nothing (no cache, no docs, no site) makes the same trees.
    fresh_docs, fresh_site = tmp_path / "fresh-docs", tmp_path / "fresh-site"
    assert build(cards=[cards], out_dir=fresh_site, jobs=1, docs_dir=fresh_docs).cards_read == 16
    assert tree(fresh_docs) == tree(docs) and tree(fresh_site) == tree(site)

    # 4. A damaged cache (a build killed while writing it) is ignored, then rewritten.
    good = tree(site)
    cache_file = docs / buildcache.CACHE_DIR / buildcache.CARDS_FILE
    cache_file.write_bytes(cache_file.read_bytes()[:100])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="generator.buildcache"):
        assert build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs).cards_read == 16
    assert any("unreadable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert tree(site) == good

    # 5. A card removed: its page, its images and its cache entry go.
    shutil.rmtree(cards / "getfiscal")
    assert build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs).cards_read == 0
    cache = buildcache.CardCache.load(docs)
    assert len(cache.entries) == 15 and all(b.name != "getfiscal" for b in cache.entries.values())
    assert not (docs / "bots/getfiscal.md").exists() and not (site / "bots/getfiscal").exists()
    assert not (docs / THUMBS / "getfiscal.png").exists() and not (site / THUMBS / "getfiscal.png").exists()


def test_cache_key_covers_bytes_metadata_path_and_code(cards, monkeypatch):
    from generator.snapshot import iter_sources

    source = next(s for s in iter_sources([cards]) if s.name == "getfiscal")
    key = buildcache.card_key(source)
    assert key == buildcache.card_key(source)
    variants = [
        source.__class__(**{**source.__dict__, "readme": source.readme + b" "}),
        source.__class__(**{**source.__dict__, "meta": {**source.meta, "downloads": 1}}),
        source.__class__(**{**source.__dict__, "path": source.path.parent / "elsewhere"}),
        source.__class__(**{**source.__dict__, "readme": None}),
        source.__class__(**{**source.__dict__, "problems": ("meta.json is not valid JSON",)}),
        source.__class__(**{**source.__dict__, "author": "someorg"}),
    ]
    keys = {buildcache.card_key(v) for v in variants}
    assert len(keys) == len(variants) and key not in keys
    monkeypatch.setattr(buildcache, "code_version", lambda: "another version of the code")
    assert buildcache.card_key(source) != key


def test_writer_leaves_identical_files_alone(tmp_path):
    writer = render.Writer(tmp_path)
    path = writer.write("bots/a.md", "same", owner="a")
    stamp = path.stat().st_mtime_ns
    again = render.Writer(tmp_path)
    again.write("bots/a.md", "same", owner="a")
    again.write("bots/b.md", "new", owner="b")
    assert (again.unchanged, again.written) == (1, 1)
    assert path.stat().st_mtime_ns == stamp
    third = render.Writer(tmp_path)
    third.write("bots/a.md", "changed", owner="a")
    assert third.written == 1 and path.read_text() == "changed"
    assert third.prune() == [tmp_path / "bots/b.md"] and not (tmp_path / "bots/b.md").exists()
