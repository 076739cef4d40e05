"""What a run says: the closing summary (returned, for the command line to
print), progress and failures as :mod:`logging` records on ``generator.fetch``
(a rich progress bar on a terminal), and one-line reasons for failures, all
with the token redacted."""

from __future__ import annotations

import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError

from ..errors import FetchError

Outcome = Literal["new", "changed", "unchanged", "removed", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("new", "changed", "unchanged", "removed", "failed")
#: What each exit code of ``fetch`` means (the last line of every run names it).
EXIT_MEANINGS: dict[int, str] = {
    0: "done",
    1: "something failed (a model keeps its previous card, or nothing was listed)",
    2: "bad arguments or offline mode",
    3: "removals withheld (the listing is incomplete, or the drop is too big without --allow-mass-removal); nothing removed",
    4: "the run's deadline passed; every file written is whole, rerun to go on",
    130: "interrupted; rerun to finish",
}
#: Names listed at most in one "not removed:" line.
MAX_NAMES_SHOWN = 20

#: Every record of a run, from any module of the package (one logger, so one place to listen).
log = logging.getLogger("generator.fetch")


@dataclass(frozen=True)
class FetchResult:
    """How a run ended: its exit code (:data:`EXIT_MEANINGS`) and its closing
    summary, one line each (``fetch AUTHOR: N listed: N new, ...``, then
    ``removed:``, ``failed:``, ``refused:``, the avatars' and the history's
    lines), already redacted. The command line prints them."""

    code: int
    lines: tuple[str, ...] = ()


@dataclass
class Summary:
    """What a run did, for the closing lines and the exit code."""

    listed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    removed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Models refused on purpose (a hostile id, an oversize README): reported,
    # but no failure, since a rerun cannot change them and a nightly that
    # failed on them would never commit the rest again.
    refusals: list[str] = field(default_factory=list)
    refreshed: int = 0  # unchanged cards whose downloads/likes/... were updated
    interrupted: bool = False
    #: Why the listing is not known to be complete (None: it is).
    incomplete: str | None = None
    #: Models that would have been removed, and why they were not.
    withheld: list[str] = field(default_factory=list)
    withheld_reason: str = ""
    deadline: bool = False  # the run's deadline passed
    late: list[str] = field(default_factory=list)  # models not fetched for lack of time

    def add(self, outcome: Outcome, name: str | None = None, reason: str | None = None) -> None:
        self.counts[outcome] += 1
        if outcome == "removed" and name:
            self.removed.append(name)
        if outcome == "failed":
            self.failures.append(f"{name}: {reason}")

    def refuse(self, name: str, reason: str) -> None:
        self.refusals.append(f"{name}: {reason}")

    def withhold(self, names: list[str], reason: str) -> None:
        self.withheld, self.withheld_reason = sorted(names), reason

    def exit_code(self) -> int:
        """130, 3, 1, 4 or 0: the first that applies (see ``EXIT_MEANINGS``)."""
        if self.interrupted:
            return 130
        if self.withheld or self.incomplete:
            return 3
        if self.counts["failed"]:
            return 1
        return 4 if self.deadline or self.late else 0

    def lines(self, *, author: str, seconds: float, sent: Counter[str]) -> list[str]:
        parts = ", ".join(f"{self.counts[o]} {o}" for o in OUTCOMES)
        head = f"fetch {author}: {self.listed} listed: {parts}"
        if self.refreshed:
            head += f" ({self.refreshed} unchanged with new metadata)"
        if self.refusals:
            head += f" ({len(self.refusals)} refused)"
        head += f" in {seconds:.1f} s, {sent['api']} API + {sent['file']} file requests"
        if self.interrupted:
            head += " (interrupted: rerun to finish)"
        if self.incomplete:
            head += " (listing incomplete)"
        if self.deadline or self.late:
            head += f" (deadline reached: {len(self.late)} not fetched, rerun to go on)"
        out = [head]
        if self.incomplete:
            out.append(f"listing incomplete: {self.incomplete}")
        if self.removed:
            out.append("removed: " + ", ".join(sorted(self.removed)))
        if self.withheld:
            shown = ", ".join(self.withheld[:MAX_NAMES_SHOWN])
            more = f" and {len(self.withheld) - MAX_NAMES_SHOWN:,} more" if len(self.withheld) > MAX_NAMES_SHOWN else ""
            out.append(f"not removed ({self.withheld_reason}): {len(self.withheld):,} models: {shown}{more}")
        out += [f"failed: {line}" for line in sorted(self.failures)]
        out += [f"refused: {line}" for line in sorted(self.refusals)]
        return out


def _redact(text: str, secret: str | None) -> str:
    """``text`` without the token, and printable whatever it holds (a lone
    surrogate from the Hub would otherwise crash the print)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace(secret, "***") if secret else text


def _say(message: str, *, secret: str | None, level: int = logging.INFO) -> None:
    """Log one line of the run, without the token."""
    log.log(level, "%s", _redact(message, secret))


def _reason(exc: BaseException) -> str:
    """One line saying what went wrong with a model."""
    if isinstance(exc, RepositoryNotFoundError):
        return "no longer on the Hub (404 after the listing)"
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} from {exc.response.request.url.path}"
    if isinstance(exc, LocalEntryNotFoundError) and exc.__cause__ is not None:
        return f"no usable answer to the README's HEAD request ({_reason(exc.__cause__)})"
    if isinstance(exc, FetchError):
        return str(exc)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


class _Reporter:
    """Progress: a rich progress bar on a terminal, a log record every 10 % otherwise.

    While the bar is shown, rich puts whatever goes to ``sys.stderr`` (the
    command line's log handler) above it, so records never tear the bar.
    """

    def __init__(self, total: int, *, secret: str | None) -> None:
        self.total, self.done, self.secret = total, 0, secret
        self._next_log = 0
        self._bar: Any = None
        if total and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("READMEs"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._bar.add_task("download", total=total)
            self._bar.start()

    def log(self, message: str, level: int = logging.INFO) -> None:
        _say(message, secret=self.secret, level=level)

    def advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self.done >= self._next_log or self.done == self.total:
            log.info("fetch: %d/%d READMEs", self.done, self.total)
            self._next_log = self.done + max(1, self.total // 10)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
