"""The command line: settings read once and checked, one-line errors, exit codes, runs outside a checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import build_parser, settings_from
from generator.config import MAX_FETCH_WORKERS, Settings
from generator.errors import SettingsError

from .conftest import FIXTURES, ROOT

GOLDEN_CARDS = FIXTURES / "golden" / "cards"
SCRIPT = Path(sys.executable).with_name("huggingtweets-gallery")


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, script: bool = False) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if script else [sys.executable, "-m", "generator"]
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600
    )


@pytest.mark.parametrize(
    ("variable", "value", "allowed"),
    [
        ("GALLERY_FETCH_WORKERS", "four", f"a whole number from 1 to {MAX_FETCH_WORKERS}"),
        ("GALLERY_FETCH_WORKERS", "0", f"a whole number from 1 to {MAX_FETCH_WORKERS}"),
        ("GALLERY_SNAPSHOT_DATE", "2021-13-45", "a real date written YYYY-MM-DD"),
        ("GALLERY_SNAPSHOT_DATE", "yesterday", "a real date written YYYY-MM-DD"),
        ("GALLERY_SITE_URL", "javascript:alert(1)", "an absolute http(s) URL"),
        ("GALLERY_AUTHOR", "../etc", "a Hub user or organisation name"),
    ],
)
def test_a_bad_environment_value_is_one_line_naming_it(tmp_path, variable, value, allowed):
    # normalise needs neither setting, and still refuses to run on a bad one: settings are read once, whole.
    proc = run("normalise", str(GOLDEN_CARDS), "--out", str(tmp_path / "x.json"), cwd=tmp_path, env={variable: value})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {variable}={value!r} is not allowed: {allowed}")
    assert not (tmp_path / "x.json").exists()


def test_a_bad_flag_value_names_the_flag(capsys):
    from generator.cli import main

    assert main(["fetch", "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == f"error: --workers=0 is not allowed: a whole number from 1 to {MAX_FETCH_WORKERS}"


def test_flags_win_over_the_environment():
    args = build_parser().parse_args(["fetch", "--workers", "7", "--cards", "elsewhere"])
    env = {"GALLERY_FETCH_WORKERS": "3", "GALLERY_CARDS": "cards", "GALLERY_AUTHOR": "someorg"}
    settings = settings_from(args, env)
    assert (settings.fetch_workers, settings.cards, settings.author) == (7, (Path("elsewhere"),), "someorg")
    assert settings_from(build_parser().parse_args(["fetch"]), env).fetch_workers == 3


def test_settings_are_checked_however_they_are_made():
    with pytest.raises(SettingsError, match="setting jobs=0 is not allowed"):
        Settings(jobs=0)
    with pytest.raises(SettingsError, match="snapshot_date='2021-02-30'"):
        Settings().replace(snapshot_date="2021-02-30")
    assert Settings.from_env({"GALLERY_SITE_URL": "https://example.org/g"}).site_url == "https://example.org/g/"
    assert Settings.from_env({"GALLERY_SNAPSHOT_DATE": ""}).snapshot_date is None  # set empty: not given


def test_the_author_is_honoured_by_the_reader(tmp_path):
    """A card fetched as someorg/dril is someorg's under GALLERY_AUTHOR=someorg, with no false problem."""
    cards = tmp_path / "cards"
    shutil.copytree(GOLDEN_CARDS / "getfiscal", cards / "getfiscal")
    meta = json.loads((cards / "getfiscal" / "meta.json").read_text())
    (cards / "getfiscal" / "meta.json").write_text(json.dumps({**meta, "id": "someorg/getfiscal"}))
    out = tmp_path / "x.json"

    proc = run("normalise", str(cards), "--out", str(out), cwd=tmp_path, env={"GALLERY_AUTHOR": "someorg"})
    assert proc.returncode == 0, proc.stderr
    (record,) = json.loads(out.read_text())
    assert record["id"] == "someorg/getfiscal"
    assert not [p for p in record["problems"] if "folder says" in p]

    proc = run("normalise", str(cards), "--out", str(out), cwd=tmp_path)  # the default author: the mismatch is real
    (record,) = json.loads(out.read_text())
    assert "meta.json says id 'someorg/getfiscal', folder says 'huggingtweets/getfiscal'" in record["problems"]


@pytest.mark.slow
def test_the_installed_script_builds_from_the_folder_it_runs_in(tmp_path):
    """The project (mkdocs.yml, docs/) is the current folder, not wherever the package is installed."""
    assert SCRIPT.is_file(), "the console script is installed with the package"
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns(
        "index.md", "bots", "accounts", "statistics", "img", "bots.json", "bots.csv", "feed.json"))  # fmt: skip
    about = project / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nThis copy of the project is the one built.\n")
    shutil.copytree(GOLDEN_CARDS, project / "cards")

    proc = run("build", "--jobs", "1", cwd=project, script=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("built 4 bot pages")
    assert "This copy of the project is the one built." in (project / "site" / "about" / "index.html").read_text()
    assert (project / "site" / "bots" / "getfiscal" / "index.html").is_file()
    assert (project / "docs" / "bots" / "getfiscal.md").is_file()  # the project's docs/, not the checkout's

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = run("build", "--cards", str(project / "cards"), cwd=elsewhere, script=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: no mkdocs.yml and docs/ in {elsewhere}: run build in a checkout of the gallery, "
        "or set GALLERY_PROJECT to one"
    ]
    proc = run("build", "--cards", str(project / "cards"), "--out", str(tmp_path / "out"), "--jobs", "1",
               cwd=elsewhere, env={"GALLERY_PROJECT": str(project)}, script=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "bots" / "getfiscal" / "index.html").is_file()
