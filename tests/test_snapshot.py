"""The cards/ snapshot: every accepted path form, refusals, atomic writes."""

from __future__ import annotations

import json

import pytest

from generator import files, snapshot
from generator.errors import SnapshotError
from generator.snapshot import iter_sources, write_entry

from .conftest import ROOT


def test_path_forms(tmp_path):
    cards = tmp_path / "cards"
    write_entry(cards, "alpha", readme=b"A", meta={"id": "huggingtweets/alpha", "sha": "1"})
    write_entry(cards, "beta-gamma", readme=None, meta={"id": "huggingtweets/beta-gamma", "has_readme": False})
    loose = tmp_path / "loose"
    loose.mkdir()
    (loose / "delta.md").write_bytes(b"D")
    (loose / "notes.txt").write_bytes(b"ignored")

    assert [(s.name, s.readme, s.meta.get("sha")) for s in iter_sources([cards])] == [
        ("alpha", b"A", "1"),
        ("beta-gamma", None, None),
    ]
    assert [s.name for s in iter_sources([cards / "alpha"])] == ["alpha"]  # one model folder
    assert [(s.name, s.readme, s.meta) for s in iter_sources([loose])] == [("delta", b"D", {})]
    assert [s.repo_id for s in iter_sources([loose / "delta.md"])] == ["huggingtweets/delta"]


def test_committed_snapshot_is_well_formed():
    sources = list(iter_sources([ROOT / "cards"]))
    assert len(sources) >= 4
    for s in sources:
        assert s.problems == (), s.name
        assert s.meta["id"] == s.repo_id
        assert s.readme, s.name


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(SnapshotError, match="nope: no such file or folder"):
        list(iter_sources([tmp_path / "nope"]))


@pytest.mark.parametrize("name", ["..", "a/b", "../x", "a..b", "", "a b", "-a", "a--b", "x" * 300])
def test_unsafe_names_are_refused(tmp_path, name):
    assert not snapshot.is_valid_name(name)
    with pytest.raises(SnapshotError, match="not a valid repo name"):
        write_entry(tmp_path, name, readme=b"x", meta={})


def test_meta_id_must_match_folder(tmp_path):
    write_entry(tmp_path / "cards", "alpha", readme=b"A", meta={"id": "huggingtweets/other"})
    (source,) = iter_sources([tmp_path / "cards"])
    assert "meta.json says id 'huggingtweets/other'" in source.problems[0]


def test_broken_meta_is_a_problem(tmp_path):
    entry = tmp_path / "cards" / "alpha"
    entry.mkdir(parents=True)
    (entry / "README.md").write_bytes(b"A")
    (entry / "meta.json").write_text("{not json", encoding="utf-8")
    (source,) = iter_sources([tmp_path / "cards"])
    assert source.readme == b"A" and source.problems[0].startswith("meta.json is not valid JSON")


def test_write_entry_replaces_whole_files_and_leaves_no_temporaries(tmp_path):
    write_entry(tmp_path, "alpha", readme=b"old", meta={"id": "huggingtweets/alpha", "sha": "1"})
    write_entry(tmp_path, "alpha", readme=b"new", meta={"id": "huggingtweets/alpha", "sha": "2"})
    assert (tmp_path / "alpha" / "README.md").read_bytes() == b"new"
    assert json.loads((tmp_path / "alpha" / "meta.json").read_text())["sha"] == "2"
    assert sorted(p.name for p in (tmp_path / "alpha").iterdir()) == ["README.md", "meta.json"]
    write_entry(tmp_path, "alpha", readme=None, meta={"id": "huggingtweets/alpha", "has_readme": False})
    assert not (tmp_path / "alpha" / "README.md").exists()


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    write_entry(tmp_path, "alpha", readme=b"old", meta={"id": "huggingtweets/alpha"})

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)  # the one atomic write (generator/files.py)
    with pytest.raises(OSError, match="disk full"):
        write_entry(tmp_path, "alpha", readme=b"new", meta={"id": "huggingtweets/alpha"})
    assert (tmp_path / "alpha" / "README.md").read_bytes() == b"old"
    assert snapshot.clean_temporaries(tmp_path) == 0  # the failed write cleaned up after itself


def test_clean_temporaries(tmp_path):
    write_entry(tmp_path, "alpha", readme=b"A", meta={})
    (tmp_path / "alpha" / ".README.md.x1.tmp").write_bytes(b"half")
    assert snapshot.clean_temporaries(tmp_path) == 1
    assert [s.name for s in iter_sources([tmp_path])] == ["alpha"]


def _git(cwd, *args):
    import subprocess

    env = {"GIT_AUTHOR_DATE": "2024-02-03T04:05:06Z", "GIT_COMMITTER_DATE": "2024-02-03T04:05:06Z"}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True, capture_output=True,
        env={**__import__("os").environ, **env},
    )


def test_snapshot_date_is_the_commit_that_touched_the_cards(tmp_path, monkeypatch):
    cards = tmp_path / "cards"
    write_entry(cards, "alpha", readme=b"A", meta={})
    assert snapshot.snapshot_date([cards]) is None  # not a git checkout
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "cards")
    _git(tmp_path, "commit", "-qm", "cards")
    assert snapshot.snapshot_date([cards]) == "2024-02-03"
    write_entry(cards, "alpha", readme=b"B", meta={})
    assert snapshot.snapshot_date([cards]) is None  # uncommitted changes: the commit date would lie
    monkeypatch.setenv("GALLERY_SNAPSHOT_DATE", "2025-01-02")
    assert snapshot.Snapshot.open([cards]).date() == "2025-01-02"


def test_snapshot_date_unknown_in_a_shallow_clone(tmp_path, monkeypatch):
    origin = tmp_path / "origin"
    write_entry(origin / "cards", "alpha", readme=b"A", meta={})
    _git(origin, "init", "-q")
    _git(origin, "add", "cards")
    _git(origin, "commit", "-qm", "cards")
    (origin / "docs.md").write_text("later")
    _git(origin, "add", "docs.md")
    _git(origin, "commit", "-qm", "docs only")
    _git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "shallow")
    assert snapshot.snapshot_date([origin / "cards"]) == "2024-02-03"
    assert snapshot.snapshot_date([tmp_path / "shallow" / "cards"]) is None
