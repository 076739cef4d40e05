"""Command line: ``python -m generator {normalise,build,fetch} ...``.

These forms are relied on by external tools and documented in the README;
keep them stable (a test checks every flag here appears in the README).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import config


def _add_normalise(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "normalise",
        help="read cards and write one normalised record per bot as JSON",
        description="Read every card under PATH (a cards/ snapshot folder, a model folder "
        "or a loose NAME.md) and write a JSON list of bot records.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    p.add_argument("--out", required=True, type=Path, metavar="FILE.json", help="where to write the records")
    p.set_defaults(func=_cmd_normalise)


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="build the static site from the snapshot",
        description="Normalise the cards, draw thumbnails and charts, write the pages into "
        "docs/ and render the finished site with MkDocs.",
    )
    p.add_argument(
        "--cards",
        nargs="+",
        type=Path,
        metavar="PATH",
        default=None,
        help=f"snapshot folders or loose NAME.md cards (default: {config.CARDS_DIR}/)",
    )
    p.add_argument("--out", type=Path, metavar="DIR", default=None, help=f"output folder (default: {config.SITE_DIR}/)")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes for drawing thumbnails (default: all cores)",
    )
    p.set_defaults(func=_cmd_build)


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="refresh the cards/ snapshot from the Hugging Face Hub",
        description="List every model of the author on the Hub and download the README of each "
        "model whose sha changed. Honours HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.",
    )
    p.add_argument("--cards", type=Path, metavar="DIR", default=None, help=f"snapshot folder (default: {config.CARDS_DIR}/)")
    p.add_argument("--author", default=None, metavar="NAME", help=f"Hub author (default: {config.AUTHOR})")
    p.add_argument("--workers", type=int, default=None, metavar="N", help=f"parallel downloads (default: {config.FETCH_WORKERS})")
    p.add_argument(
        "--avatars",
        action="store_true",
        help="also cache account avatars (small JPEGs) in DIR/.avatars/, so pages and thumbnails can show them",
    )
    p.set_defaults(func=_cmd_fetch)


def _cmd_normalise(args: argparse.Namespace) -> int:
    from .errors import SnapshotError
    from .normalise import normalise_paths

    try:
        bots = normalise_paths(args.paths)
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for bot in bots:
        if bot.problems:
            print(f"{bot.id}: {'; '.join(bot.problems)}", file=sys.stderr)
    data = [bot.to_dict() for bot in bots]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with_problems = sum(1 for b in bots if b.problems)
    print(f"normalised {len(bots)} cards ({with_problems} with problems) -> {args.out}", file=sys.stderr)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .site import build_site

    return build_site(
        cards=args.cards or [Path(config.CARDS_DIR)],
        out_dir=args.out or Path(config.SITE_DIR),
        jobs=args.jobs,
    )


def _cmd_fetch(args: argparse.Namespace) -> int:
    from .fetch import fetch

    return fetch(
        cards_dir=args.cards or Path(config.CARDS_DIR),
        author=args.author or config.AUTHOR,
        workers=args.workers or config.FETCH_WORKERS,
        avatars=args.avatars,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_normalise(sub)
    _add_build(sub)
    _add_fetch(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    return int(args.func(args) or 0)
