"""``python -m generator predict``: run each model once and keep what it said.

For every model in the snapshot (or in ``--only``, or in this ``--shard``):

1. Current already? ``samples.json`` says which snapshot revision it was last
   checked at, and for which prompt. Same revision, same prompt: nothing to do,
   no request at all.
2. Otherwise one ``paths-info`` request gives the inference files' content
   hashes at the pinned revision (:func:`generator.predict.hub.plan`). Same
   cache key as recorded (a README-only change): the samples are kept and only
   ``checked_revision`` moves on. A model that cannot be run is recorded with
   its reason (``error``) under the same key, and not tried again until its
   files change.
3. Otherwise download the files, load, generate, write ``samples.json``
   atomically, and delete the files before the next model. The next model's
   download runs in a thread while this one generates, so at most two models
   are on disk at once.

Budgets: ``--limit`` models run and ``--minutes`` of wall time; at either the
stage stops starting models (the one in progress finishes), says how many are
left, and exits 0: the next run resumes where it stopped, since everything
done is on disk. Ctrl-C stops after the current model (exit 130).
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hashlib  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

from ..errors import PredictError, UsageError  # noqa: E402
from ..config import DEFAULT_AUTHOR  # noqa: E402
from ..snapshot import atomic_write, clean_temporaries, is_valid_name, iter_sources  # noqa: E402
from . import samples as fmt  # noqa: E402
from .hub import Plan, Unrunnable  # noqa: E402

#: Each model's line and the run's warnings, as they happen (the command line shows them on stderr).
log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
#: Timeout of each Hub request's metadata step, in seconds.
ETAG_TIMEOUT = 30.0
Outcome = Literal["generated", "kept", "current", "unrunnable", "failed", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("generated", "kept", "current", "unrunnable", "failed", "skipped")


@dataclass(frozen=True)
class Model:
    """One model of the snapshot, as the stage needs it."""

    name: str
    revision: str | None  # the snapshot's pinned sha (None: the snapshot does not know it)
    prompt: str
    folder: Path
    author: str = DEFAULT_AUTHOR

    @property
    def repo_id(self) -> str:
        return f"{self.author}/{self.name}"


def shard_of(name: str, shards: int) -> int:
    """The shard (1..``shards``) a model belongs to: by a hash of its name, so a
    model stays in its shard however the snapshot around it changes.

    >>> [shard_of("dril", 4), shard_of("dril", 4)] == [shard_of("dril", 4)] * 2
    True
    >>> shard_of("anything", 1)
    1
    """
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:16], 16) % shards + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with 1 <= I <= N.

    >>> parse_shard("2/8")
    (2, 8)
    """
    parts = text.split("/")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        index, total = int(parts[0]), int(parts[1])
        if 1 <= index <= total <= MAX_SHARDS:
            return index, total
    raise ValueError(f"--shard {text!r}: expected I/N with 1 <= I <= N <= {MAX_SHARDS}, e.g. 1/4")


#: Most shards a run may be split into (GitHub Actions runs at most 256 jobs per matrix).
MAX_SHARDS = 256


def snapshot_models(cards_dir: Path, *, author: str = DEFAULT_AUTHOR) -> list[Model]:
    """Every model of the snapshot with its pinned revision and widget prompt."""
    from ..normalise import normalise_source

    out = []
    for source in iter_sources([cards_dir], author=author):
        if not is_valid_name(source.name) or not source.path.is_dir():
            continue
        sha = source.meta.get("sha")
        bot = normalise_source(source)
        prompt = fmt.clean_sample(bot.widget_prompt or "", limit=fmt.MAX_PROMPT_CHARS).replace("\n", " ")
        out.append(
            Model(
                name=source.name,
                revision=sha if isinstance(sha, str) and len(sha) == 40 else None,
                prompt=prompt or fmt.DEFAULT_PROMPT,
                folder=source.path,
                author=author,
            )
        )
    return out


@dataclass
class Prepared:
    """A model after the Hub was asked about it (and, if it must run, its files downloaded)."""

    model: Model
    outcome: Outcome | None = None  # set when there is nothing to generate
    reason: str = ""
    plan: Plan | None = None
    key: str | None = None
    files: Path | None = None  # the downloaded files, to delete after use
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Summary:
    """What a run did: counts per outcome, the lines to print, the per-model times."""

    counts: Counter[str] = field(default_factory=Counter)
    lines: list[str] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    left: int = 0
    stopped: str | None = None  # why it stopped early (budget, interrupt)

    def head(self, seconds: float) -> str:
        parts = ", ".join(f"{self.counts[o]} {o}" for o in OUTCOMES)
        total = sum(self.counts.values()) + self.left
        text = f"predict: {total} models: {parts}, {self.left} left in {seconds:.1f} s"
        if self.timings:
            mean = {k: sum(t.get(k, 0.0) for t in self.timings) / len(self.timings) for k in ("download", "load", "generate")}
            text += " (per model: " + ", ".join(f"{k} {v:.1f} s" for k, v in mean.items()) + ")"
        if self.stopped:
            text += f" ({self.stopped}: rerun to resume)"
        return text


class Stage:
    """One run of the stage; :func:`predict` wires it to the command line."""

    def __init__(self, *, endpoint: str, token: str | None, work_dir: Path, settings: dict[str, Any]) -> None:
        from huggingface_hub import HfApi

        self.endpoint = endpoint
        self.token = token
        self.api = HfApi(endpoint=endpoint, token=token or False)
        self.work_dir = work_dir
        self.settings = settings

    # --- 1 and 2: is it current? -------------------------------------------------

    def prepare(self, model: Model, download: bool = True) -> Prepared:
        """Decide what the model needs, downloading its files only if it must run
        (and ``download`` is true; otherwise :meth:`download` does it later)."""
        from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

        from . import hub

        prepared = Prepared(model)
        if model.revision is None:
            prepared.outcome, prepared.reason = "skipped", "no pinned revision in meta.json (run fetch first)"
            return prepared
        existing = fmt.load_raw(model.folder / fmt.SAMPLES)
        if (
            existing
            and existing.get("checked_revision") == model.revision
            and existing.get("prompt") == model.prompt
            and (existing.get("settings") or {}).get("version") == fmt.SETTINGS_VERSION
        ):
            prepared.outcome = "current"
            return prepared
        started = time.monotonic()
        try:
            prepared.plan = hub.plan(self.api, model.repo_id, model.revision)
            prepared.key = fmt.cache_key(files=prepared.plan.hashes, prompt=model.prompt)
        except Unrunnable as exc:
            # Keyed on the files that are there, so adding the missing ones retries it.
            hashes = self._present_hashes(model)
            prepared.key = fmt.cache_key(files=hashes, prompt=model.prompt) if hashes is not None else None
            prepared.outcome, prepared.reason = "unrunnable", str(exc)
            return prepared
        except (RepositoryNotFoundError, RevisionNotFoundError) as exc:
            prepared.outcome, prepared.reason = "failed", f"{type(exc).__name__} at {model.revision[:12]} (fetch again?)"
            return prepared
        except (HfHubHTTPError, OSError, ValueError) as exc:
            prepared.outcome, prepared.reason = "failed", f"asking the Hub: {type(exc).__name__}: {str(exc)[:200]}"
            return prepared
        if existing and existing.get("key") == prepared.key:
            prepared.outcome = "kept"
            return prepared
        prepared.seconds["plan"] = time.monotonic() - started
        if download:
            self.download(prepared)
        return prepared

    def download(self, prepared: Prepared) -> None:
        """Download a planned model's files into a fresh folder of the work dir."""
        from . import hub

        assert prepared.plan is not None
        started = time.monotonic()
        folder = Path(tempfile.mkdtemp(prefix=f"{prepared.model.name}-", dir=self.work_dir))
        prepared.files = folder
        try:
            hub.download(prepared.plan, into=folder, endpoint=self.endpoint, token=self.token, etag_timeout=ETAG_TIMEOUT)
        except Unrunnable as exc:
            prepared.outcome, prepared.reason = "unrunnable", str(exc)
        except PredictError as exc:
            prepared.outcome, prepared.reason = "failed", str(exc)
        prepared.seconds["download"] = time.monotonic() - started

    def _present_hashes(self, model: Model) -> dict[str, str] | None:
        """The content ids of whichever inference files the model has (for an unrunnable one's key)."""
        from . import hub

        try:
            entries = self.api.get_paths_info(model.repo_id, list(hub.wanted_names()), revision=model.revision)
        except Exception:  # noqa: BLE001  (no key: the failure is retried next run)
            return None
        out = {}
        for entry in entries:
            if hasattr(entry, "blob_id"):
                lfs = getattr(entry, "lfs", None)
                out[entry.path] = lfs.sha256 if lfs else entry.blob_id
        return out

    # --- 3: run it ------------------------------------------------------------------

    def generate(self, prepared: Prepared) -> Outcome:
        """Load and generate (the files are downloaded); write samples.json."""
        from . import engine

        model = prepared.model
        assert prepared.files is not None and prepared.plan is not None
        try:
            # Wall seconds, and this thread's CPU seconds (what an idle core would take).
            started, cpu = time.monotonic(), time.thread_time()
            loaded = engine.load(prepared.files)
            prepared.seconds["load"] = time.monotonic() - started
            prepared.seconds["load_cpu"] = time.thread_time() - cpu
            started, cpu = time.monotonic(), time.thread_time()
            texts = engine.generate(loaded, model.prompt, self.settings)
            prepared.seconds["generate"] = time.monotonic() - started
            prepared.seconds["generate_cpu"] = time.thread_time() - cpu
            del loaded
        except Unrunnable as exc:
            prepared.reason = str(exc)
            self.record(prepared, error=prepared.reason)
            return "unrunnable"
        self.record(prepared, texts=[fmt.clean_sample(t) for t in texts], engine_versions=engine.engine_versions())
        return "generated"

    def record(
        self,
        prepared: Prepared,
        *,
        texts: Sequence[str] = (),
        error: str | None = None,
        engine_versions: dict[str, str] | None = None,
    ) -> None:
        """Write the model's samples.json (samples, or the reason it could not run)."""
        model = prepared.model
        if not model.folder.is_dir():  # removed from the snapshot meanwhile
            return
        record: dict[str, Any] = {
            "schema": fmt.SCHEMA,
            "model": model.repo_id,
            "revision": model.revision,
            "checked_revision": model.revision,
            "files": dict(sorted(prepared.plan.hashes.items())) if prepared.plan else None,
            "key": prepared.key,
            "prompt": model.prompt,
            "settings": self.settings,
            "engine": engine_versions or {},
            "generated": fmt.generation_date(),
            "samples": list(texts),
            "error": fmt.clean_sample(error, limit=fmt.MAX_ERROR_CHARS) if error else None,
        }
        atomic_write(model.folder / fmt.SAMPLES, fmt.dump(record))

    def keep(self, prepared: Prepared) -> None:
        """Same files, same prompt, new revision: the samples stay, the check moves on."""
        path = prepared.model.folder / fmt.SAMPLES
        existing = fmt.load_raw(path)
        if existing is None or not prepared.model.folder.is_dir():
            return
        existing["checked_revision"] = prepared.model.revision
        atomic_write(path, fmt.dump(existing))

    def discard(self, prepared: Prepared) -> None:
        if prepared.files is not None:
            shutil.rmtree(prepared.files, ignore_errors=True)
            prepared.files = None


def select(
    models: Sequence[Model], *, only: Sequence[str] = (), shard: tuple[int, int] = (1, 1)
) -> list[Model]:
    """The models this run is about: ``only`` (when given) and this shard."""
    if only:
        by_name = {m.name: m for m in models}
        missing = [n for n in only if n not in by_name]
        if missing:
            raise ValueError(f"--only: not in the snapshot: {', '.join(missing)}")
        models = [by_name[n] for n in dict.fromkeys(only)]
    index, total = shard
    return [m for m in models if shard_of(m.name, total) == index]


class _Background:
    """One call running in a daemon thread (an interrupted run must not wait for a download)."""

    def __init__(self, fn: Callable[..., Prepared], *args: Any) -> None:
        self._result: Prepared | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), name="predict-download", daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., Prepared], *args: Any) -> None:
        try:
            self._result = fn(*args)
        except BaseException as exc:  # noqa: BLE001  (re-raised in the caller)
            self._error = exc

    def result(self) -> Prepared:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def run_models(
    stage: Stage,
    models: Sequence[Model],
    *,
    limit: int | None,
    deadline: float | None,
    report: Callable[[Model, Outcome, Prepared], None],
) -> Summary:
    """The loop: the next model is prepared (asked about, downloaded) in a thread
    while this one generates. A model is only downloaded while the budget lasts."""
    summary = Summary(left=len(models))
    queue: Iterator[Model] = iter(models)
    ran = 0

    def exhausted(after: int = 0) -> str | None:
        if limit is not None and ran + after >= limit:
            return f"stopped at --limit {limit}"
        if deadline is not None and time.monotonic() >= deadline:
            return "stopped at the --minutes budget"
        return None

    def submit(*, download: bool) -> _Background | None:
        model = next(queue, None)
        return _Background(stage.prepare, model, download) if model is not None else None

    pending = submit(download=not exhausted())
    while pending is not None:
        prepared = pending.result()
        pending = None
        must_run = prepared.outcome is None
        if must_run and (stop := exhausted()):
            stage.discard(prepared)
            summary.stopped = stop
            break
        summary.left -= 1
        if must_run and prepared.files is None:  # held back at a budget that then allowed it
            stage.download(prepared)
            must_run = prepared.outcome is None
        # Overlap: download the next model while this one generates, unless
        # this one spends the last of the --limit.
        pending = submit(download=not exhausted(after=1 if must_run else 0))
        try:
            outcome = finish(stage, prepared)
        finally:
            stage.discard(prepared)
        if must_run:
            ran += 1
            summary.timings.append(dict(prepared.seconds))
        summary.counts[outcome] += 1
        report(prepared.model, outcome, prepared)
    return summary


def finish(stage: Stage, prepared: Prepared) -> Outcome:
    """Act on a prepared model: generate, keep, or record why it cannot run."""
    if prepared.outcome is None:
        return stage.generate(prepared)
    if prepared.outcome == "kept":
        stage.keep(prepared)
    elif prepared.outcome == "unrunnable" and prepared.key is not None:
        stage.record(prepared, error=prepared.reason)
    return prepared.outcome


def predict(
    *,
    cards_dir: Path,
    limit: int | None = None,
    minutes: float | None = None,
    only: Sequence[str] = (),
    shard: tuple[int, int] = (1, 1),
    endpoint: str | None = None,
    author: str = DEFAULT_AUTHOR,
) -> PredictResult:
    """Run the stage over the snapshot in ``cards_dir``; return how it ended.

    The result's ``code`` is 0 (done, or stopped at a budget), 1 (a model failed
    in a way a rerun may fix) or 130 (interrupted), its ``lines`` the closing
    summary (``predict: N models: ...``). Each model's line is logged as it
    happens. Raises :class:`~generator.errors.UsageError` when it cannot start
    (bad arguments, offline mode, torch or transformers missing: exit 2 on the
    command line). Prints nothing.
    """
    from huggingface_hub.utils import disable_progress_bars

    started = time.monotonic()
    if os.environ.get("HF_HUB_OFFLINE", "").upper() in {"1", "ON", "YES", "TRUE"}:
        raise UsageError("HF_HUB_OFFLINE is set; predict needs the Hub to download models")
    if not cards_dir.is_dir():
        raise UsageError(f"{cards_dir}: no such snapshot folder")
    if limit is not None and limit < 0 or minutes is not None and minutes < 0:
        raise UsageError("--limit and --minutes must be positive")
    import importlib.util

    missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
    if missing:
        raise UsageError(f"predict needs {' and '.join(missing)}: pip install -e '.[predict]' (see the README)")
    clean_temporaries(cards_dir)
    try:
        models = select(snapshot_models(cards_dir, author=author), only=only, shard=shard)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    endpoint = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    token = os.environ.get("HF_TOKEN") or None
    disable_progress_bars()
    deadline = started + minutes * 60 if minutes is not None else None
    interactive = sys.stderr.isatty()
    with tempfile.TemporaryDirectory(prefix="huggingtweets-predict-") as work:
        stage = Stage(endpoint=endpoint, token=token, work_dir=Path(work), settings=dict(fmt.SETTINGS))
        with _progress(len(models), interactive) as advance:

            def report(model: Model, outcome: Outcome, prepared: Prepared) -> None:
                line = _line(model, outcome, prepared)
                if line and (interactive or outcome != "current"):
                    advance(line)
                else:
                    advance(None)

            try:
                summary = run_models(stage, models, limit=limit, deadline=deadline, report=report)
            except KeyboardInterrupt:
                # What was written is whole (atomic writes); the download thread is a daemon.
                log.warning("predict: interrupted; what was written is kept, rerun to resume")
                return PredictResult(130)
    return PredictResult(1 if summary.counts["failed"] else 0, (summary.head(time.monotonic() - started),))


def _line(model: Model, outcome: Outcome, prepared: Prepared) -> str:
    times = ", ".join(f"{k} {v:.1f} s" for k, v in prepared.seconds.items() if k in ("download", "load", "generate"))
    if outcome == "generated":
        return f"{model.name}: generated ({times})"
    if outcome in ("unrunnable", "failed", "skipped"):
        return f"{model.name}: {outcome}: {prepared.reason}"
    return f"{model.name}: {outcome}"


@dataclass(frozen=True)
class PredictResult:
    """How a run ended: its exit code and its closing summary lines, for the command line to print."""

    code: int
    lines: tuple[str, ...] = ()


class _progress:
    """A rich progress bar on a terminal; log records (only what changed) otherwise.

    Each model's line is a log record either way: while the bar is shown, rich puts
    what goes to ``sys.stderr`` (the command line's log handler) above it."""

    def __init__(self, total: int, interactive: bool) -> None:
        self.total, self.interactive = total, interactive
        self._progress: Any = None

    def __enter__(self) -> Callable[[str | None], None]:
        if self.interactive:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=False
            )
            self._progress.start()
            task = self._progress.add_task("predict", total=self.total)

            def advance(line: str | None) -> None:
                if line:
                    log.info("%s", line)
                self._progress.advance(task)

            return advance

        def say(line: str | None) -> None:
            if line:
                log.info("%s", line)

        return say

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
