"""Statistics charts: deterministic, small, escaped SVG plus the numbers drawn."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import matplotlib
import pytest

from generator.charts import SCHEMES, Chart, bar_chart, dark_path, histogram, line_chart

SVG = "{http://www.w3.org/2000/svg}"
HARD = ["山田太郎", "محمد", "👩‍💻 dev", "🇯🇵", "𝐁𝐨𝐥𝐝", "Ελένη", "<script>alert(1)</script> & co", "$x^2$ \\frac{"]


def _texts(path) -> list[str]:
    root = ET.parse(path).getroot()  # well-formed XML, or this raises
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _all(tmp_path, suffix: str = "") -> list[Chart]:
    return [
        bar_chart(out=tmp_path / f"top{suffix}.svg", title="Top by downloads", labels=HARD, values=range(8, 0, -1),
                  xlabel="downloads", horizontal=True),  # fmt: skip
        bar_chart(out=tmp_path / f"eras{suffix}.svg", title="Eras", labels=["2020", "2021"], values=[3, 4.5]),
        histogram(out=tmp_path / f"kept{suffix}.svg", title="Tweets kept", values=[0, 10, 250, 3250, 9999, -5],
                  bins=[0, 1000, 2000, 3250], xlabel="tweets kept"),  # fmt: skip
        line_chart(out=tmp_path / f"months{suffix}.svg", title="Per month", labels=[f"2021-{m:02d}" for m in range(1, 31)],
                   values=[m % 7 for m in range(30)], ylabel="bots"),  # fmt: skip
    ]


def test_charts_are_byte_identical_whatever_the_callers_rcparams(tmp_path):
    first = _all(tmp_path, "a")
    with matplotlib.rc_context({"svg.hashsalt": None, "font.size": 20, "svg.fonttype": "path", "text.usetex": True}):
        second = _all(tmp_path, "b")
    for a, b in zip(first, second):
        assert a.path.read_bytes() == b.path.read_bytes()
        svg = a.path.read_text(encoding="utf-8")
        assert "<dc:date>" not in svg and "Matplotlib v" not in svg
        assert a.path.stat().st_size < 40_000


def test_numbers_returned_match_the_input(tmp_path):
    top, eras, kept, months = _all(tmp_path)
    assert [v for _, v in top.rows] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert top.rows[0][0] == "山田太郎" and top.value_header == "downloads"
    assert eras.rows == (("2020", 3.0), ("2021", 4.5)) and eras.value_header == "value"
    # out-of-range values land in the outer bins: counts add up to the number of values
    assert kept.rows == (("0–1,000", 4.0), ("1,000–2,000", 0.0), ("2,000–3,250", 2.0))
    assert kept.label_header == "tweets kept" and kept.value_header == "bots"
    assert len(months.rows) == 30 and months.rows[7] == ("2021-08", 0.0)
    assert kept.display_rows[0] == ("0–1,000", "4") and eras.display_rows[1] == ("2021", "4.5")


def test_untrusted_labels_stay_literal_text_and_transparent_background(tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font")
        chart = bar_chart(out=tmp_path / "c.svg", title="T", labels=HARD, values=[1] * len(HARD), horizontal=True)
    texts = _texts(chart.path)
    assert any(t.startswith("<script>alert(1)</scr") for t in texts)  # literal (shortened on the chart)
    assert "$x^2$ \\frac{" in texts
    assert "山田太郎" in texts and "محمد" in texts
    root = ET.parse(chart.path).getroot()
    assert not list(root.iter(f"{SVG}script"))
    assert "fill: #ffffff" not in chart.path.read_text(encoding="utf-8")


def test_bad_input_is_refused_with_the_chart_named(tmp_path):
    with pytest.raises(ValueError, match="'Eras'.*2 labels but 1 values"):
        bar_chart(out=tmp_path / "x.svg", title="Eras", labels=["a", "b"], values=[1])
    with pytest.raises(ValueError, match="'Kept'.*increasing"):
        histogram(out=tmp_path / "x.svg", title="Kept", values=[1], bins=[5, 5], xlabel="n")
    with pytest.raises(ValueError, match="'Line'.*finite"):
        line_chart(out=tmp_path / "x.svg", title="Line", labels=["a"], values=[float("nan")], ylabel="n")
    assert not (tmp_path / "x.svg").exists()


def test_each_chart_has_a_dark_variant_no_title_and_whole_number_ticks(tmp_path):
    for chart in _all(tmp_path):
        light, dark = chart.path.read_text(encoding="utf-8"), dark_path(chart.path).read_text(encoding="utf-8")
        assert SCHEMES["light"] in light and SCHEMES["dark"] not in light
        assert SCHEMES["dark"] in dark and SCHEMES["light"] not in dark
        assert chart.title not in _texts(chart.path)  # the page's heading names the chart
    # 3 bars of at most 3: ticks 0, 1, 2, 3, never 0.5 or 2.5
    chart = bar_chart(out=tmp_path / "few.svg", title="Few", labels=["a", "b", "c"], values=[1, 3, 2], horizontal=True)
    ticks = [t for t in _texts(chart.path) if t.replace(".", "").isdigit()]
    assert ticks and all("." not in t for t in ticks), ticks
    kept = histogram(out=tmp_path / "h.svg", title="H", values=[1, 2, 2], bins=[0, 1, 2, 3], xlabel="x")
    assert all("." not in t for t in _texts(kept.path) if t.replace(".", "").isdigit())


def test_a_chart_drawn_once_is_not_drawn_again_until_its_numbers_or_files_change(tmp_path, monkeypatch):
    from generator import charts

    saved = []
    real_save = charts._save
    monkeypatch.setattr(charts, "_save", lambda fig, out, title: (saved.append(out.name), real_save(fig, out, title)))
    monkeypatch.setattr(charts, "RECOLOUR", False)  # both schemes drawn (recolouring: the next test)
    plain = _all(tmp_path / "plain")  # no record: every chart drawn
    record = tmp_path / "cache" / "charts.json"
    with charts.drawn_once(record):
        first = _all(tmp_path / "kept")
    assert len(saved) == 16  # 4 charts, 2 schemes each, with and without the record
    for a, b in zip(plain, first):
        assert a.rows == b.rows
        assert a.path.read_bytes() == b.path.read_bytes() and dark_path(a.path).read_bytes() == dark_path(b.path).read_bytes()
    saved.clear()
    with charts.drawn_once(record):
        again = _all(tmp_path / "kept")
    assert saved == [] and again == first  # nothing redrawn, same numbers for the page's tables
    dark_path(first[1].path).write_text("<svg/>", encoding="utf-8")  # a file changed behind our back
    with charts.drawn_once(record):
        _all(tmp_path / "kept")
        bar_chart(out=tmp_path / "kept" / "eras.svg", title="Eras", labels=["2020", "2021"], values=[3, 5])  # new numbers
    assert saved == ["eras.svg", "eras.dark.svg", "eras.svg", "eras.dark.svg"]
    assert dark_path(first[1].path).read_bytes() != b"<svg/>"
    record.write_text("not json", encoding="utf-8")  # an unreadable record: everything is drawn
    saved.clear()
    with charts.drawn_once(record):
        _all(tmp_path / "kept")
    assert len(saved) == 8


def test_the_dark_variant_recoloured_is_the_dark_variant_drawn(tmp_path, monkeypatch):
    """Each chart is drawn once; its dark variant is the light SVG with the ink's colour replaced,
    byte for byte what drawing it for the dark scheme gives, for every kind of chart and label;
    a chart whose labels hold the ink's colour code is drawn twice, so its text stays as written."""
    from generator import charts

    saved = []
    real_save = charts._save
    monkeypatch.setattr(charts, "_save", lambda fig, out, title: (saved.append(out.name), real_save(fig, out, title)))
    recoloured = _all(tmp_path / "recoloured")
    assert sorted(saved) == sorted(c.path.name for c in recoloured)  # the light ones only
    monkeypatch.setattr(charts, "RECOLOUR", False)
    drawn = _all(tmp_path / "drawn")
    for a, b in zip(recoloured, drawn):
        assert a.path.read_bytes() == b.path.read_bytes()
        assert dark_path(a.path).read_bytes() == dark_path(b.path).read_bytes(), a.path.name
        assert SCHEMES["dark"] in dark_path(a.path).read_text(encoding="utf-8")
    monkeypatch.setattr(charts, "RECOLOUR", True)
    saved.clear()
    ink = SCHEMES["light"]
    chart = bar_chart(out=tmp_path / "ink.svg", title="Ink", labels=[f"colour {ink}", "b"], values=[2, 1], horizontal=True)
    assert saved == ["ink.svg", "ink.dark.svg"]
    assert f"colour {ink}" in _texts(dark_path(chart.path))
