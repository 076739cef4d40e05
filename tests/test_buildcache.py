"""Build caches: a rebuild of unchanged cards reads no card, rewrites no page and redraws no image,
and its output is byte for byte what a build without any cache makes.

No timings here (those are bench/bench_scale.py's): the tests count what was
redone and compare trees.
"""

from __future__ import annotations

import dataclasses
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
    assert cold.pages_cached == 0 and cold.pages_rendered > 16 and not cold.mkdocs_skipped
    assert (docs / buildcache.CACHE_DIR / buildcache.CARDS_FILE).is_file()
    before_docs, before_site, stamps = tree(docs), tree(site), mtimes(docs)
    # The images reach the site by link, not through MkDocs, and only the images.
    for bot in cold.bots:
        for rel in (f"{THUMBS}/{bot.name}.png",):
            assert (site / rel).read_bytes() == (docs / rel).read_bytes()
    assert not any(p.name.startswith(".") for p in (site / "img").rglob("*"))

    # 1. Nothing changed: no card parsed, no page rendered or written, no image redrawn.
    def no_parsing(data: bytes):
        raise AssertionError("a card was parsed although its bytes did not change")

    def no_rendering(*args, **kwargs):
        raise AssertionError("a page was rendered although nothing it shows changed")

    cache_file = docs / buildcache.CACHE_DIR / buildcache.CARDS_FILE
    pages_file = docs / buildcache.CACHE_DIR / buildcache.PAGES_FILE
    cache_stamp, pages_stamp = cache_file.stat().st_mtime_ns, pages_file.stat().st_mtime_ns
    with monkeypatch.context() as mp:
        mp.setattr(normalise, "parse_card", no_parsing)
        for name in ("_bot_page", "_account_page", "gallery_files", "accounts_index_page", "bots_json", "write_statistics"):
            mp.setattr(render, name, no_rendering)
        warm = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert (warm.cards_read, warm.pages_written, warm.pages_rendered) == (0, 0, 0)
    assert warm.mkdocs_skipped  # nothing MkDocs reads changed, and the site holds what it wrote
    assert warm.pages_cached == cold.pages_rendered
    assert cache_file.stat().st_mtime_ns == cache_stamp  # it already holds what this build used
    assert pages_file.stat().st_mtime_ns == pages_stamp
    assert [b.name for b in warm.bots] == [b.name for b in cold.bots]
    assert tree(docs) == before_docs and tree(site) == before_site
    # Not even touched: the statistics charts are not redrawn either (their numbers did not change).
    touched = {rel for rel, ns in mtimes(docs).items() if stamps.get(rel) != ns}
    assert not touched, touched
    assert (docs / buildcache.CACHE_DIR / "charts.json").is_file()

    # A site file edited or added by hand: MkDocs runs again (and cleans); a stray image in the
    # linked folder goes even when MkDocs is skipped.
    (site / "index.html").write_text("edited", encoding="utf-8")
    (site / "stray.html").write_text("stray", encoding="utf-8")
    assert not build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs).mkdocs_skipped
    assert tree(site) == before_site
    (site / THUMBS / "stray.png").write_bytes(b"png")
    assert build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs).mkdocs_skipped
    assert tree(site) == before_site

    # A page edited or deleted by hand is written again, from the cache (its inputs did not change),
    # and so is a chart: the drawing process redraws a chart whose file is not what it drew, before
    # the site-wide files are checked, so no page needs rendering for it.
    (docs / "bots/getfiscal.md").write_text("edited", encoding="utf-8")
    (docs / "accounts/getfiscal.md").unlink()
    chart = next((docs / "statistics").glob("*.svg"))
    chart.write_text("<svg/>", encoding="utf-8")
    mended = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert (mended.cards_read, mended.pages_written) == (0, 2) and tree(docs) == before_docs  # the chart: redrawn
    assert mended.pages_rendered == 0  # the chart was redrawn from its memo, the statistics page is cached
    assert mended.mkdocs_skipped and tree(site) == before_site  # docs/ was mended before MkDocs would read it

    # 2. One card changed: only it is read again, only its pages are rendered again (and the
    # site-wide files: the gallery, the data files, the statistics), and its page shows the change.
    rendered: list[str] = []
    for name in ("_bot_page", "_account_page"):
        def spy(*args, _real=getattr(render, name), _name=name, **kwargs):
            rendered.append(f"{_name}:{getattr(args[0], 'name', args[0])}")
            return _real(*args, **kwargs)
        monkeypatch.setattr(render, name, spy)
    readme = cards / "getfiscal" / "README.md"
    readme.write_bytes(readme.read_bytes().replace(b"Don Hughes", b"Donna Hughes"))
    changed = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert changed.cards_read == 1 and not changed.mkdocs_skipped
    assert sorted(rendered) == ["_account_page:getfiscal", "_bot_page:getfiscal"]
    assert changed.pages_rendered == 2 + 2  # and the two site-wide parts (before and after the pages)
    assert "Donna Hughes" in (docs / "bots/getfiscal.md").read_text(encoding="utf-8")
    monkeypatch.undo()
    monkeypatch.setenv("GALLERY_SNAPSHOT_DATE", "2021-10-31")

    # 3. A build from nothing (no cache, no docs, no site) makes the same trees.
    fresh_docs, fresh_site = tmp_path / "fresh-docs", tmp_path / "fresh-site"
    fresh = build(cards=[cards], out_dir=fresh_site, jobs=1, docs_dir=fresh_docs)
    assert (fresh.cards_read, fresh.pages_cached) == (16, 0)
    assert tree(fresh_docs) == tree(docs) and tree(fresh_site) == tree(site)

    # 4. A damaged cache (a build killed while writing it) is ignored, then rewritten.
    good = tree(site)
    for damaged in (cache_file, pages_file):
        damaged.write_bytes(damaged.read_bytes()[:100])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="generator.buildcache"):
        again = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert (again.cards_read, again.pages_cached, again.pages_written) == (16, 0, 0)
    assert sum("unreadable" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records) == 2
    assert tree(site) == good

    # 5. A card removed: its page, its images and its cache entry go.
    shutil.rmtree(cards / "getfiscal")
    assert build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs).cards_read == 0
    cache = buildcache.CardCache.load(docs)
    assert len(cache.entries) == 15 and all(b.name != "getfiscal" for b in cache.entries.values())
    pages = buildcache.RenderCache.load(docs)  # the pages of this build only: the gone bot's are dropped
    assert len(pages.entries) == sum(1 for _ in (docs / "bots").glob("*.md")) + sum(1 for _ in (docs / "accounts").glob("*.md")) - 1 + 2
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


def test_page_cache_renders_the_same_files_as_no_cache_and_keys_every_input(tmp_path):
    """Each page is given only its own images (``Images.of``) when cached: the files must be the
    same as when every page sees every image, and a change of any input renders that page again."""
    from generator.models import HubMeta, User

    from .factories import make_bot

    ann, bo = "https://pbs.twimg.com/profile_images/1/a.jpg", "https://pbs.twimg.com/profile_images/2/b.jpg"
    bots = [
        make_bot("ann", users=(User("ann", "Ann", ann, 10, 1, 2, 7),), hub=HubMeta(downloads=3)),
        make_bot("bo", users=(User("bo", "Bo", bo, 5, 1, 1, 3),)),
        make_bot("ann-bo", users=(User("ann", "Ann", ann, 1, 0, 0, 1), User("bo", "Bo", bo, 1, 0, 0, 1))),
        make_bot("cy", users=(User("cy", "Cy", "https://example.com/c.jpg", 1, 0, 0, 1),)),
    ]
    images = render.Images(thumbs={"ann": "img/thumbs/ann.png", "ann-bo": "img/thumbs/ann-bo.png"},
                           avatars={ann: "img/avatars/a.jpg", bo: "img/avatars/b.jpg"})  # fmt: skip
    plain, cached = tmp_path / "plain", tmp_path / "cached"
    render.render_docs(bots=bots, docs_dir=plain, images=images, snapshot_day="2024-01-01")
    cache = buildcache.RenderCache(path=cached / buildcache.CACHE_DIR / buildcache.PAGES_FILE)
    render.render_docs(bots=bots, docs_dir=cached, images=images, snapshot_day="2024-01-01", cache=cache)
    assert tree(cached) == tree(plain)
    assert (cache.hits, cache.misses) == (0, 4 + 3 + 2)  # 4 bot pages, 3 account pages, the 2 site-wide parts
    cache.save()

    def again(bots=bots, images=images, day="2024-01-01") -> tuple[buildcache.RenderCache, Path]:
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        shutil.copytree(cached, out)  # the same docs/ and cache, as a rebuild finds them
        c = buildcache.RenderCache.load(out)
        render.render_docs(bots=bots, docs_dir=out, images=images, snapshot_day=day, cache=c)
        fresh = tmp_path / f"fresh{len(list(tmp_path.iterdir()))}"
        render.render_docs(bots=bots, docs_dir=fresh, images=images, snapshot_day=day)
        assert tree(out) == tree(fresh)  # whatever came from the cache, the same files as without it
        return c, out

    c, _ = again()
    assert c.misses == 0 and c.hits == cache.misses
    # One avatar copy gone: the pages of the bots that have it (ann, ann-bo), of the accounts in
    # them (@ann, and @bo, whose bots include ann-bo) and the site-wide files; not bo's or cy's.
    c, _ = again(images=render.Images(thumbs=images.thumbs, avatars={bo: images.avatars[bo]}))
    assert c.misses == 2 + 2 + 2
    # One bot's Hub figures changed: its page, its account's page and the site-wide files.
    changed = [dataclasses.replace(bots[0], hub=HubMeta(downloads=4)), *bots[1:]]
    c, _ = again(bots=changed)
    assert c.misses == 1 + 1 + 2
    # Another snapshot date: every bot page (they print it) and the site-wide files, no account page.
    c, _ = again(day="2024-02-02")
    assert c.misses == 4 + 2
    # A bot added, a bot removed: only its pages and the site-wide files; its cached pages dropped.
    c, out = again(bots=[*bots[:3], make_bot("dee", users=(User("dee", "Dee", None, 1, 0, 0, 1),))])
    assert c.misses == 1 + 1 + 2 and not (out / "bots/cy.md").exists()
    assert len(c.used) == 4 + 3 + 2


def test_render_key_covers_the_code_and_the_libraries(monkeypatch):
    key = buildcache.RenderCache.key("bot", "digest", None)
    assert key == buildcache.RenderCache.key("bot", "digest", None)
    assert key != buildcache.RenderCache.key("account", "digest", None)
    assert key != buildcache.RenderCache.key("bot", "digest", "")
    monkeypatch.setattr(buildcache, "render_version", lambda: "another version")
    assert buildcache.RenderCache.key("bot", "digest", None) != key


def test_mkdocs_key_covers_every_input_mkdocs_reads(tmp_path, monkeypatch):
    from generator import site
    from generator.config import Settings

    project = tmp_path / "project"
    docs = project / "docs"
    (docs / "overrides/.icons/ht").mkdir(parents=True)
    (docs / "index.md").write_text("# Hi\n", encoding="utf-8")
    (docs / site.THUMBS).mkdir(parents=True)
    (project / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    settings = Settings(project_dir=project)

    def key(**kw: object) -> str:
        args = dict(docs_dir=docs, out_dir=tmp_path / "site", settings=settings, build_day="2024-01-01", exclude=site.LINKED)
        return site.mkdocs_key(**{**args, **kw})  # type: ignore[arg-type]

    first = key()
    assert key() == first
    # Not read by MkDocs: the build cache and the linked images.
    (docs / buildcache.CACHE_DIR).mkdir()
    (docs / buildcache.CACHE_DIR / "x").write_text("cache", encoding="utf-8")
    (docs / site.THUMBS / "a.png").write_bytes(b"png")
    assert key() == first
    changes = [
        lambda: (docs / "index.md").write_text("# Hi!\n", encoding="utf-8"),
        lambda: (docs / "overrides/.icons/ht/logo.svg").write_text("<svg/>", encoding="utf-8"),  # a dot-folder the theme reads
        lambda: (docs / "new.md").write_text("", encoding="utf-8"),
        lambda: (project / "mkdocs.yml").write_text("site_name: y\n", encoding="utf-8"),
    ]
    seen = {first}
    for change in changes:
        change()
        assert key() not in seen
        seen.add(key())
    now = key()
    assert key(build_day="2024-01-02") != now
    assert key(settings=settings.replace(site_url="https://example.org/")) != now
    assert key(out_dir=tmp_path / "elsewhere") != now
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")
    assert key() != now
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    packages = site.installed_packages()
    assert any(p.startswith("mkdocs-") and p.endswith(".dist-info") for p in packages)
    monkeypatch.setattr(site, "installed_packages", lambda: [p.replace("mkdocs-1", "mkdocs-2") for p in packages])
    assert key() != now
    monkeypatch.setattr(site, "installed_packages", lambda: packages)
    assert key() == now
    monkeypatch.setattr(buildcache, "code_version", lambda: "other code")
    assert key() != now


def test_charts_drawn_in_another_process_make_the_same_files_and_are_not_redrawn(cards, tmp_path):
    """The build draws the statistics charts in its drawing process (``statistics_of``'s jobs,
    then ``draw_charts``) while this one renders the pages without drawing them: the files are byte for
    byte those of charts drawn inline, and a second run draws nothing (the charts' memo hits)."""
    from concurrent.futures import ProcessPoolExecutor

    bots = normalise.normalise_paths([cards], jobs=1)
    images = render.Images(thumbs={}, avatars={})
    inline, apart = tmp_path / "inline", tmp_path / "apart"
    render.render_docs(bots=bots, docs_dir=inline, images=images, snapshot_day="2024-01-01")
    jobs = render.statistics_of(bots=bots, docs_dir=apart).jobs
    assert len(jobs) >= 8 and all(j.out.parent == apart / "statistics" for j in jobs)
    assert not (apart / "statistics").exists()  # listed, not drawn
    with ProcessPoolExecutor(max_workers=1) as pool:
        drawing = pool.submit(render.draw_charts, jobs, apart)
        waited = []
        render.render_docs(bots=bots, docs_dir=apart, images=images, snapshot_day="2024-01-01",
                           charts_drawn=lambda: waited.append(drawing.result()))  # fmt: skip
    assert len(waited) == 1 and waited[0]["seconds"] > 0
    assert tree(apart) == tree(inline)
    assert len(list((apart / "statistics").glob("*.svg"))) == 2 * len(jobs)

    stamp = {p.name: p.stat().st_mtime_ns for p in (apart / "statistics").glob("*.svg")}
    render.draw_charts(render.statistics_of(bots=bots, docs_dir=apart).jobs, apart)
    assert {p.name: p.stat().st_mtime_ns for p in (apart / "statistics").glob("*.svg")} == stamp  # none redrawn
    (apart / "statistics" / "eras.dark.svg").write_text("<svg/>", encoding="utf-8")
    render.draw_charts(render.statistics_of(bots=bots, docs_dir=apart).jobs, apart)  # not what was drawn: redrawn
    assert tree(apart) == tree(inline)
    assert {p.name for p in (apart / "statistics").glob("*.svg") if p.stat().st_mtime_ns != stamp[p.name]} == {
        "eras.svg", "eras.dark.svg"}  # fmt: skip


def counted_sections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the statistics passes (``render.statistics._sections``) from now on, in this process."""
    from generator.render import statistics

    calls: list[int] = []

    def counting(bots, **kwargs):
        calls.append(len(bots))
        return real(bots, **kwargs)

    real = statistics._sections
    monkeypatch.setattr(statistics, "_sections", counting)
    return calls


def test_a_build_runs_the_statistics_pass_once_cold_and_warm(cards, tmp_path, monkeypatch):
    """The pass that lists the charts for the drawing process also gives the statistics page its
    numbers: a cold build (page rendered) and a warm one (page from the cache) each run it once."""
    docs, site = tmp_path / "docs", tmp_path / "site"
    passes = counted_sections(monkeypatch)
    cold = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert passes == [len(cold.bots)] and cold.pages_rendered > 0
    page = (docs / "statistics" / "index.md").read_bytes()
    assert b'id="tweets-kept-chart"' in page and len(list((docs / "statistics").glob("*.svg"))) >= 16
    before = tree(docs), tree(site)
    passes.clear()
    warm = build(cards=[cards], out_dir=site, jobs=1, docs_dir=docs)
    assert passes == [len(warm.bots)] and warm.pages_rendered == 0
    assert (tree(docs), tree(site)) == before


@pytest.mark.parametrize("draw", [True, False])
def test_statistics_from_a_precomputed_pass_are_the_files_of_the_pass_run_there(cards, tmp_path, monkeypatch, draw):
    """``write_statistics(computed=statistics_of(...))`` writes, claims and records byte for byte what
    it writes when it runs the pass itself, drawing the charts inline or leaving them to
    ``draw_charts``, without running the pass again; a pass made for other bots or another folder is
    refused rather than written."""
    bots = normalise.normalise_paths([cards], jobs=1)
    for some in (bots, bots[:1], []):
        made: dict[str, tuple] = {}
        for how in ("itself", "computed"):
            out = tmp_path / f"{how}-{len(some)}"
            writer = render.Writer(out)
            computed = render.statistics_of(bots=some, docs_dir=out) if how == "computed" else None
            with monkeypatch.context() as mp, writer.recording() as calls:
                passes = counted_sections(mp)
                paths = render.write_statistics(bots=some, writer=writer, snapshot_date="2021-10-31", draw=draw,
                                                computed=computed)  # fmt: skip
            assert passes == ([] if computed else [len(some)])
            made[how] = (calls, [p.relative_to(out) for p in paths], writer.claimed, tree(out))
        assert made["computed"] == made["itself"]
        calls, rels, claimed, files = made["itself"]
        svgs = {rel for rel in claimed if rel.endswith(".svg")}
        assert len(svgs) == 2 * len(render.statistics_of(bots=some, docs_dir=tmp_path).jobs)
        assert set(files) == {"statistics/index.md"} | (svgs if draw else set())
        assert [rel for rel, data, _ in calls if data is None] == [r for r in claimed if r in svgs]
    # The page and charts drawn by the build's own path (draw_charts of the same pass) are these too.
    out = tmp_path / "apart"
    computed = render.statistics_of(bots=bots, docs_dir=out)
    render.draw_charts(computed.jobs, out)
    render.write_statistics(bots=bots, writer=render.Writer(out), snapshot_date="2021-10-31", draw=False,
                            computed=computed)  # fmt: skip
    inline = tmp_path / "inline"
    render.write_statistics(bots=bots, writer=render.Writer(inline), snapshot_date="2021-10-31")
    assert tree(out) == tree(inline) and len(tree(inline)) > 16
    with pytest.raises(ValueError, match="compute them for these"):
        render.write_statistics(bots=bots[1:], writer=render.Writer(tmp_path / "x"), snapshot_date=None,
                                computed=render.statistics_of(bots=bots, docs_dir=tmp_path / "x"))  # fmt: skip
    with pytest.raises(ValueError, match="compute them for these"):
        render.write_statistics(bots=bots, writer=render.Writer(tmp_path / "y"), snapshot_date=None, computed=computed)
