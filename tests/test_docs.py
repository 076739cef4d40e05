"""The README documents every command-line flag, setting and make target, so
the docs cannot drift from the code (datasette's habit)."""

from __future__ import annotations

import argparse
import re

import pytest

from generator.cli import build_parser
from generator.config import ENVIRONMENT

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_flag_is_documented(command):
    parser = _subcommands()[command]
    flags = [s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"]
    assert flags, f"{command} has no flags?"
    heading = re.search(rf"^### `python -m generator {command}\b(.*)`$", README, re.M)
    assert heading, f"README has no '### `python -m generator {command} ...`' section"
    for flag in flags:
        assert flag in heading.group(1), f"{flag} of {command} is not in its README heading"


def test_every_setting_is_documented():
    names = [var.name for var in ENVIRONMENT]
    assert names
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "generator").rglob("*.py"))
    # Nothing reads a GALLERY_* variable but the settings, so this list is all of them.
    assert set(re.findall(r"\bGALLERY_[A-Z_]+", source)) <= set(names)
    for name in names:
        assert f"`{name}`" in README, f"environment variable {name} is not in the README"


def test_every_make_target_is_documented():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    for target in set(phony) - {"help", "clean", "system-deps"}:
        assert f"`make {target}`" in README, f"make {target} is not in the README"
