"""The nightly downloads-and-likes history (generator/history.py): append, replace, fold, bounds, bad files."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from generator import history
from generator.snapshot import dump_meta


def _cards(tmp_path, counts: dict[str, tuple[int | None, int | None]]):
    cards = tmp_path / "cards"
    for name, (d, l) in counts.items():
        (cards / name).mkdir(parents=True, exist_ok=True)
        meta = {"id": f"huggingtweets/{name}"}
        if d is not None:
            meta["downloads"] = d
        if l is not None:
            meta["likes"] = l
        (cards / name / "meta.json").write_bytes(dump_meta(meta))
    return cards


DAY = date(2026, 11, 1)


def test_record_reads_meta_files_and_appends_only_changes(tmp_path):
    cards = _cards(tmp_path, {"dril": (10, 2), "annhertzz": (None, None), "getfiscal": (0, 0)})
    line = history.record(cards, day=DAY)
    assert "2026-11-01 recorded for 3 models" in line
    _cards(tmp_path, {"dril": (14, 2), "getfiscal": (0, 0)})
    (cards / "annhertzz" / "meta.json").unlink()
    (cards / "annhertzz").rmdir()
    history.record(cards, day=DAY + timedelta(days=1))
    raw = history.path_in(cards).read_text().splitlines()
    assert json.loads(raw[0]) == {"date": "2026-11-01", "set": {"annhertzz": [None, None], "dril": [10, 2], "getfiscal": [0, 0]}}
    assert json.loads(raw[1]) == {"date": "2026-11-02", "set": {"dril": [14, 2]}, "gone": ["annhertzz"]}
    nights = history.nights(cards)
    assert [n.date for n in nights] == ["2026-11-01", "2026-11-02"]
    assert nights[-1].counts == {"dril": (14, 2), "getfiscal": (0, 0)}
    assert nights[0].counts["annhertzz"] == (None, None)  # unknown stays unknown, not 0


def test_a_second_run_the_same_day_replaces_that_night(tmp_path):
    cards = _cards(tmp_path, {"dril": (10, 2)})
    history.record(cards, day=DAY)
    history.record(cards, day=DAY + timedelta(days=1), counts={"dril": (11, 2)})
    history.record(cards, day=DAY + timedelta(days=1), counts={"dril": (12, 3)})
    nights = history.nights(cards)
    assert [(n.date, n.counts["dril"]) for n in nights] == [("2026-11-01", (10, 2)), ("2026-11-02", (12, 3))]
    assert "not recorded" in history.record(cards, day=DAY, counts={"dril": (1, 1)})  # a night before the last
    assert len(history.nights(cards)) == 2
    before = history.path_in(cards).read_bytes()
    assert "no count changed" in history.record(cards, day=DAY + timedelta(days=2), counts={"dril": (12, 3)})
    assert history.path_in(cards).read_bytes() == before  # an unchanged night writes nothing


def test_the_file_is_bounded_and_folding_keeps_every_value(tmp_path, monkeypatch):
    monkeypatch.setattr(history, "MAX_SNAPSHOTS", 5)
    cards = tmp_path / "cards"
    cards.mkdir()
    expected = {}
    for i in range(12):
        counts = {"a": (i, 0), "b": (7, None)} if i % 3 else {"a": (i, 0), "c": (i * 2, 1)}
        history.record(cards, day=DAY + timedelta(days=i), counts=counts)
        expected[(DAY + timedelta(days=i)).isoformat()] = counts
    lines = history.path_in(cards).read_text().splitlines()
    assert len(lines) == 5
    nights = history.nights(cards)
    assert [n.date for n in nights] == sorted(expected)[-5:]
    for n in nights:
        assert n.counts == expected[n.date]
    assert set(json.loads(lines[0])["set"]) == set(expected[nights[0].date])  # the first line is whole


def test_default_bound_is_a_named_constant_over_a_year_of_nights(tmp_path):
    cards = tmp_path / "cards"
    cards.mkdir()
    for i in range(history.MAX_SNAPSHOTS + 10):
        history.record(cards, day=DAY + timedelta(days=i), counts={"a": (i, 0)})
    assert len(history.path_in(cards).read_text().splitlines()) == history.MAX_SNAPSHOTS


def test_rising_is_the_gain_over_seven_nights_and_unknown_without_both_ends(tmp_path):
    cards = tmp_path / "cards"
    cards.mkdir()
    for i in range(10):
        counts = {"up": (10 + 3 * i, 0), "down": (100 - i, 0), "new": (5, 0) if i >= 5 else (None, 0)}
        if i >= 8:
            counts["late"] = (50, 0)
        history.record(cards, day=DAY + timedelta(days=i), counts=counts)
    trends = history.trends(history.nights(cards))
    assert trends["up"].rising == 3 * 7
    assert trends["down"].rising == -7
    assert trends["new"].rising is None  # unknown seven nights ago
    assert trends["late"].rising is None  # not there seven nights ago
    assert trends["up"].downloads == tuple(10 + 3 * i for i in range(10))
    one = tmp_path / "one"
    one.mkdir()
    history.record(one, day=DAY, counts={"a": (1, 0)})
    assert history.trends(history.nights(one))["a"].rising is None  # one night: no gain to tell


def test_a_damaged_file_is_left_as_it_is_and_the_build_goes_on(tmp_path, caplog):
    cards = tmp_path / "cards"
    cards.mkdir()
    history.record(cards, day=DAY, counts={"a": (1, 0)})
    path = history.path_in(cards)
    for bad in (b'{"date": "2026-11-02", "set": {"../x": [1, 1]}}\n', b"not json\n",
                b'{"date": "2026-11-02", "set": {"a": [-1, 0]}}\n', b'{"date": "2026-10-01", "set": {}}\n'):  # fmt: skip
        original = path.read_bytes().splitlines(keepends=True)[0]
        path.write_bytes(original + bad)
        line = history.record(cards, day=DAY + timedelta(days=5), counts={"a": (2, 0)})
        assert line.startswith("history: not recorded") and "line 2" in line, line
        assert path.read_bytes() == original + bad
        caplog.clear()
        assert history.load([cards]) == {}
        assert [r.levelname for r in caplog.records if "line 2" in r.getMessage()] == ["WARNING"]


def test_an_overlong_line_is_refused(tmp_path, monkeypatch):
    cards = tmp_path / "cards"
    cards.mkdir()
    monkeypatch.setattr(history, "MAX_LINE_BYTES", 100)
    history.record(cards, day=DAY, counts={f"bot{i}": (i, 0) for i in range(20)})
    with pytest.raises(history.HistoryError, match="longer than 100 bytes"):
        history.nights(cards)


def test_sparkline_is_an_svg_of_numbers_with_gaps():
    trend = history.Trend(dates=("2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"), downloads=(3, None, 5, 9), rising=6)
    svg = history.sparkline(trend)
    assert svg.startswith("<svg") and svg.count("<circle") == 1 and svg.count("<polyline") == 1
    assert "from 3 to 9" in svg and "<script" not in svg
    assert history.sparkline(history.Trend(dates=("2026-11-01",), downloads=(3,), rising=None)) is None
