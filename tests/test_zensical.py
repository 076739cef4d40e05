"""The exit path from MkDocs: the same mkdocs.yml and docs/ build with Zensical too.

MkDocs 1.x is unmaintained and Material reaches its end of life in 2027; its
successor Zensical reads the same configuration, but renders the theme
overrides with MiniJinja, which is not Jinja (no Python string methods, for
one). This builds the seed gallery with MkDocs (the normal build) and then
with Zensical, and checks Zensical made every page MkDocs made.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.site import build

from .conftest import FIXTURES, ROOT

ZENSICAL = Path(sys.executable).with_name("zensical")
SEED_CARDS = FIXTURES / "golden" / "cards"
#: Pages only MkDocs' own search plugin writes (Zensical has its own search).
MKDOCS_ONLY = ("search/",)


def _pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


@pytest.mark.slow
def test_the_seed_gallery_builds_with_zensical_as_with_mkdocs(tmp_path, monkeypatch):
    assert ZENSICAL.is_file(), "zensical is pinned in the test extra"
    monkeypatch.setenv("GALLERY_SNAPSHOT_DATE", "2021-10-31")
    report = build(cards=[SEED_CARDS], out_dir=tmp_path / "mkdocs-site", jobs=1, docs_dir=tmp_path / "docs")
    names = [b.name for b in report.bots]
    assert len(names) == 4

    # The project's mkdocs.yml, beside the staged docs/ (its paths are relative to it).
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    proc = subprocess.run(
        [str(ZENSICAL), "build", "--strict", "--clean", "--config-file", str(tmp_path / "mkdocs.yml")],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = tmp_path / "site"

    expected = {p for p in _pages(tmp_path / "mkdocs-site") if not p.startswith(MKDOCS_ONLY)}
    assert expected <= _pages(site), sorted(expected - _pages(site))
    for name in names:
        assert f"bots/{name}/index.html" in expected
    for rel in ("index.html", "statistics/index.html", "accounts/index.html", "404.html"):
        assert rel in expected
    for rel in ("bots.json", "bots.csv", "feed.json", "assets/gallery.js"):
        assert (site / rel).read_bytes() == (tmp_path / "mkdocs-site" / rel).read_bytes(), rel

    # The theme overrides ran the same: Open Graph tags on a bot page, the 404 page's link home.
    def og_tags(root: Path) -> list[str]:  # MiniJinja escapes "/" as &#x2f;, Jinja does not: same attribute
        page = (root / "bots/getfiscal/index.html").read_text(encoding="utf-8")
        return [html.unescape(tag) for tag in re.findall(r'<meta property="og:[^>]*>', page)]

    assert '<meta property="og:title" content="Don Hughes 🦌 (@getfiscal)">' in og_tags(site)
    assert og_tags(site) == og_tags(tmp_path / "mkdocs-site")
    not_found = (site / "404.html").read_text(encoding="utf-8")
    assert re.search(r'href="(/|&#x2f;)">Search the gallery', not_found), "the 404 page links to the site root"
