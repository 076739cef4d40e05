"""Command line: ``python -m generator {normalise,build,fetch,predict} ...``.

These forms are relied on by external tools and documented in the README;
keep them stable (a test checks every flag here appears in the README).

This is the one place that prints and picks exit codes: it builds the
:class:`~generator.config.Settings` once (environment, then flags), hands
them to the stage, shows the library's :mod:`logging` records on stderr and
turns errors into one ``error:`` line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .config import Settings
from .errors import GeneratorError, SettingsError

if TYPE_CHECKING:
    from .fetch import FetchResult
    from .predict.run import PredictResult
    from .site import BuildReport

#: Problem kinds a build summary lists before "... and N more kinds".
SUMMARY_KINDS = 12


def _add_snapshot_dir(p: argparse.ArgumentParser) -> None:
    """``--cards DIR``: the one snapshot folder a command refreshes (fetch, predict)."""
    p.add_argument("--cards", type=Path, metavar="DIR", default=None, help="snapshot folder (default: cards/, or GALLERY_CARDS)")


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
        help="snapshot folders or loose NAME.md cards (default: cards/, or GALLERY_CARDS)",
    )
    p.add_argument("--out", type=Path, metavar="DIR", default=None, help="output folder (default: site/, or GALLERY_SITE)")
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="processes for drawing thumbnails (default: all cores)",
    )
    p.add_argument(
        "--verbose", action="store_true", help="list every card's problems, not only the summary by kind"
    )
    p.set_defaults(func=_cmd_build)


def _add_fetch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "fetch",
        help="refresh the cards/ snapshot from the Hugging Face Hub",
        description="List every model of the author on the Hub and download the README of each "
        "model whose sha changed. Honours HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.",
    )
    _add_snapshot_dir(p)
    p.add_argument("--author", default=None, metavar="NAME", help=f"Hub author (default: {config.DEFAULT_AUTHOR}, or GALLERY_AUTHOR)")
    p.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help=f"parallel downloads (default: {config.DEFAULT_FETCH_WORKERS}, or GALLERY_FETCH_WORKERS)",
    )  # fmt: skip
    p.add_argument(
        "--avatars",
        action="store_true",
        help="also cache account avatars (small JPEGs) in DIR/.avatars/, so pages and thumbnails can show them",
    )
    p.add_argument(
        "--minutes",
        type=float,
        default=None,
        metavar="M",
        help="deadline of the whole run; then it stops, keeps every whole file and exits 4"
        f" (default: {config.DEFAULT_FETCH_MINUTES:g}, or GALLERY_FETCH_MINUTES)",
    )
    p.add_argument(
        "--allow-mass-removal",
        action="store_true",
        help=f"remove models gone from a complete listing even when more than {config.MASS_REMOVAL_MODELS} "
        f"(or {config.MASS_REMOVAL_SHARE:.0%} of the snapshot) go at once",
    )
    p.set_defaults(func=_cmd_fetch)


def _add_predict(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "predict",
        help="generate samples with each bot's own model into cards/<name>/samples.json",
        description="For every model without current samples, download its inference files at the "
        "snapshot's revision, generate samples of its widget prompt and write samples.json. "
        "Needs the 'predict' extra (torch, transformers). Honours HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE.",
    )
    _add_snapshot_dir(p)
    p.add_argument("--limit", type=int, default=None, metavar="N", help="run at most N models, then stop (rerun to resume)")
    p.add_argument(
        "--minutes", type=float, default=None, metavar="M", help="start no model after M minutes (rerun to resume)"
    )
    p.add_argument("--only", nargs="+", default=(), metavar="NAME", help="only these bots (repo names)")
    p.add_argument(
        "--shard",
        default="1/1",
        metavar="I/N",
        help="only the models of shard I of N (every model is in exactly one; default 1/1)",
    )
    p.set_defaults(func=_cmd_predict)


def _cmd_normalise(args: argparse.Namespace, settings: Settings) -> int:
    from .errors import SnapshotError
    from .normalise import normalise_paths

    try:
        bots = normalise_paths(args.paths, author=settings.author)
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


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from . import site

    return report_build(lambda: site.build(settings=settings), settings=settings)


def report_build(run: Callable[[], BuildReport], *, settings: Settings) -> int:
    """Run a build and print its outcome: 0 when built (even with problem cards), 1 with one ``error:`` line.

    Problems are summarised by the data-quality page's kinds
    (:func:`generator.quality.kind_of`) with counts, and point at that page;
    ``--verbose`` adds one line per card (logged by the build).
    """
    try:
        report = run()
    except GeneratorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if report.kinds:
        from .quality import KINDS
        from .render.quality import URL

        print(f"{report.problems} cards with problems, by kind:", file=sys.stderr)
        ranked = sorted(report.kinds.items(), key=lambda kc: (-kc[1], KINDS.index(kc[0])))
        for kind, count in ranked[:SUMMARY_KINDS]:
            print(f"  {count:6,}  {kind.title} (#{kind.id})", file=sys.stderr)
        if len(ranked) > SUMMARY_KINDS:
            print(f"  ... and {len(ranked) - SUMMARY_KINDS} more kinds", file=sys.stderr)
        more = "" if settings.verbose else "--verbose lists them card by card; "
        print(f"  ({more}see the data-quality page: {settings.site_dir / URL / 'index.html'})", file=sys.stderr)
    for line in report.skipped_lines:  # each is a bot missing from the site: always listed, one line each
        print(line, file=sys.stderr)
    print(
        f"built {len(report.bots)} bot pages ({report.problems} cards with problems, "
        f"{report.skipped} skipped) -> {settings.site_dir}",
        file=sys.stderr,
    )
    return 0


def _cmd_fetch(args: argparse.Namespace, settings: Settings) -> int:
    from .fetch import Policy, fetch

    return report_fetch(
        lambda: fetch(
            cards_dir=settings.cards[0],
            author=settings.author,
            workers=settings.fetch_workers,
            avatars=args.avatars,
            policy=Policy(run_seconds=settings.fetch_minutes * 60),
            allow_mass_removal=args.allow_mass_removal,
        )
    )


def _report(run: Callable[[], FetchResult | PredictResult]) -> int:
    """Run a stage that refreshes the snapshot and print its summary lines on stdout;
    return its exit code, or 2 with one ``error:`` line on stderr when it cannot start
    (:class:`~generator.errors.UsageError`). What it did as it went was logged."""
    from .errors import UsageError

    try:
        result = run()
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    for line in result.lines:
        print(line, flush=True)
    return result.code


def report_fetch(run: Callable[[], FetchResult]) -> int:
    """Run a fetch and print its outcome (:func:`_report`); return its exit code.

    The last line is always ``fetch exit N: meaning``: the nightly workflow reads
    it, and the summary line before it.
    """
    from .fetch import EXIT_MEANINGS

    code = _report(run)
    print(f"fetch exit {code}: {EXIT_MEANINGS[code]}", flush=True)
    return code


def _cmd_predict(args: argparse.Namespace, settings: Settings) -> int:
    from .predict.run import parse_shard

    try:
        shard = parse_shard(args.shard)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from .predict.run import predict
    except ImportError as exc:  # huggingface_hub is a core dependency; this is torch or transformers
        print(f"error: predict needs the 'predict' extra ({exc.name}): pip install -e '.[predict]'", file=sys.stderr)
        return 2
    return report_predict(
        lambda: predict(
            cards_dir=settings.cards[0],
            author=settings.author,
            limit=args.limit,
            minutes=args.minutes,
            only=tuple(args.only),
            shard=shard,
        )
    )


def report_predict(run: Callable[[], PredictResult]) -> int:
    """Run predict and print its summary (:func:`_report`: the nightly workflow reads its
    ``predict: N models: ...`` line); return its exit code."""
    return _report(run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _add_normalise(sub)
    _add_build(sub)
    _add_fetch(sub)
    _add_predict(sub)
    return parser


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Log records as bare lines on whatever ``sys.stderr`` is when they are emitted."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # noqa: ANN001
        pass


def _configure_logging(*, verbose: bool) -> None:
    """The generator's records on stderr: warnings and progress, and per-card detail with ``--verbose``."""
    logger = logging.getLogger("generator")
    for handler in [h for h in logger.handlers if isinstance(h, _Stderr)]:
        logger.removeHandler(handler)
    logger.addHandler(_Stderr())
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


#: Flag -> the setting it overrides, per command (for messages that name the flag).
_FLAGS = {
    "cards": "--cards",
    "site_dir": "--out",
    "jobs": "--jobs",
    "author": "--author",
    "fetch_workers": "--workers",
    "fetch_minutes": "--minutes",
}


def settings_from(args: argparse.Namespace, environ: dict[str, str] | None = None) -> Settings:
    """The run's settings: the environment, then the flags given."""
    cards = getattr(args, "cards", None)
    overrides = {
        "cards": (tuple(cards) if isinstance(cards, list) else (cards,)) if cards else None,
        "site_dir": getattr(args, "out", None) if args.command == "build" else None,
        "jobs": getattr(args, "jobs", None),
        "author": getattr(args, "author", None),
        "fetch_workers": getattr(args, "workers", None),
        "fetch_minutes": getattr(args, "minutes", None),
        "verbose": getattr(args, "verbose", None),
    }
    return Settings.from_env(environ, flags=_FLAGS, **overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        settings = settings_from(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(verbose=settings.verbose)
    return int(args.func(args, settings) or 0)
