"""The module structure: who imports whom, one registry of templates, what the drawing version covers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import generator
from generator import card_templates, models, parse
from generator.thumbnails import card as thumbnail_card

PACKAGE = Path(generator.__file__).parent


def _loaded_after(imports: str) -> set[str]:
    """The generator modules a fresh interpreter has loaded after ``imports``."""
    code = f"import sys; {imports}; print(' '.join(m for m in sys.modules if m.startswith('generator')))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def test_the_reader_does_not_import_the_synthetic_corpus():
    assert "generator.corpus" not in _loaded_after("import generator.parse, generator.normalise")


def test_charts_and_pages_do_not_load_the_thumbnail_drawing():
    loaded = _loaded_after("import generator.charts, generator.render; generator.render.pages.face")
    assert not {m for m in loaded if m.startswith("generator.thumbnails")}, loaded


def test_every_template_file_is_registered_with_an_era():
    files = {p.stem for p in (PACKAGE / "card_templates").glob("*.md")} - {"ABOUT"}
    assert files == set(card_templates.REGISTRY)
    for template in card_templates.REGISTRY.values():
        assert template.era in models.ERAS
        assert template.label == models.ERA_LABELS[template.era]
        assert len(template.fragments) >= 5, template.stem
    assert set(models.ERAS) == {t.era for t in card_templates.REGISTRY.values()}
    assert parse.TEMPLATE_ERA == card_templates.TEMPLATE_ERA


def test_the_drawing_version_covers_every_drawing_module(tmp_path):
    code = {p.resolve() for p in thumbnail_card.DRAW_CODE}
    expected = {p.resolve() for p in (PACKAGE / "thumbnails").glob("*.py")}
    expected |= {(PACKAGE / "style.py").resolve(), (PACKAGE / "faces.py").resolve()}
    assert code == expected
    copies = []
    for i, path in enumerate(sorted(code)):
        copy = tmp_path / f"{i}" / path.name
        copy.parent.mkdir()
        copy.write_bytes(path.read_bytes())
        copies.append(copy)
    base = thumbnail_card._code_version(copies)
    for copy in copies:  # an edit to any one of them changes the version
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n# edited\n")
        assert thumbnail_card._code_version(copies) != base, copy.name
        copy.write_bytes(original)
    assert thumbnail_card._code_version(copies) == base
