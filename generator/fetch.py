"""Refresh the ``cards/`` snapshot from the Hugging Face Hub (``python -m generator fetch``).

One paginated listing (``list_models(author=..., expand=[...])``) tells every
model's ``sha``, its Hub metadata and, through ``siblings``, whether it has a
README. Only models whose ``sha`` differs from the one in their ``meta.json``
get their README downloaded, pinned to that ``sha`` with ``hf_hub_download``
into a throw-away cache outside the repo, checked, and copied into the
snapshot with :func:`generator.snapshot.write_entry` (atomic, ``meta.json``
last, so an interrupted run is redone next time). Models gone from the listing
are removed; a model that fails keeps its previous card.

Why the care: the Hub allows an anonymous client about 500 API and 3,000 file
("resolver") requests per 5 minutes, and a README costs three file requests
(HEAD, a HEAD on the commit-pinned redirect target, GET). huggingface_hub
2.4.0 reads ``HF_ENDPOINT`` only at import, sets no timeout on the listing, and
retries only some calls. So this module passes ``endpoint=`` explicitly, puts
a timeout cap, a request budget and a shared ``Retry-After`` pause on every
request through the client's HTTP hooks, and retries what the client does not.

Not re-entrant: it installs its hooks on the client's process-wide session.
"""

from __future__ import annotations

import os

# The client reads this once, at import: set it before importing it (telemetry
# is an extra request and a user-agent full of local details).
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter, deque  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal, TypeVar  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import httpx2  # noqa: E402
from huggingface_hub import HfApi, hf_hub_download  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import ModelInfo  # noqa: E402
from huggingface_hub.utils import (  # noqa: E402
    are_progress_bars_disabled,
    disable_progress_bars,
    enable_progress_bars,
    get_session,
    parse_ratelimit_headers,
    set_client_factory,
)

# Private, but the only way to keep the client's own request hook (offline
# guard, request ids, download counter) on the session we add ours to.
from huggingface_hub.utils._http import default_client_factory  # noqa: E402

from . import config  # noqa: E402
from .errors import FetchError  # noqa: E402
from .snapshot import (  # noqa: E402
    META,
    atomic_write,
    clean_temporaries,
    dump_meta,
    is_valid_name,
    iter_sources,
    remove_entry,
    write_entry,
)

DEFAULT_ENDPOINT = "https://huggingface.co"
#: The listing fields the gallery needs; ``siblings`` tells which repos lack a README.
EXPAND = ["sha", "createdAt", "lastModified", "downloads", "likes", "tags", "pipeline_tag", "library_name", "siblings"]
README = "README.md"
Kind = Literal["api", "file", "other"]
Outcome = Literal["new", "changed", "unchanged", "removed", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("new", "changed", "unchanged", "removed", "failed")
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_AUTHOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_TRUE = {"1", "ON", "YES", "TRUE"}  # the client's own reading of boolean env vars
T = TypeVar("T")


@dataclass(frozen=True)
class Policy:
    """How hard a run may push the Hub. The defaults stay inside the anonymous
    limits (500 API / 3,000 file requests per 5 minutes) with a 10 % margin;
    tests and the benchmark pass shorter waits and a bigger budget."""

    timeout: float = 30.0  # cap on connect/read/write/pool waits of every request
    retries: int = 4  # our retries per README, on top of the client's own
    backoff: float = 2.0  # first wait before a retry, doubled each time
    max_backoff: float = 60.0
    api_budget: int = 450
    file_budget: int = 2700
    window: float = 300.0  # seconds the budgets apply to
    max_readme_bytes: int = config.MAX_README_BYTES
    #: Avatar URLs that may be fetched (card text is untrusted: never any host).
    avatar_url: str = r"^https://(pbs|abs)\.twimg\.com/[^?#]+$"
    max_avatar_bytes: int = 2 * 1024 * 1024


class _Refused(FetchError):
    """A response we will not store and that a retry would not fix."""


class RequestBudget:
    """At most ``limit`` requests of a kind in any ``window`` seconds, and none
    while a ``Retry-After`` pause is running. Shared by all worker threads, so
    one 429 slows every worker down, not only the one that got it."""

    def __init__(self, *, limits: dict[Kind, int], window: float) -> None:
        self.limits = limits
        self.window = window
        self.sent: Counter[str] = Counter()
        self._recent: dict[Kind, deque[float]] = {kind: deque() for kind in limits}
        self._paused_until: dict[Kind, float] = dict.fromkeys(limits, 0.0)
        self._lock = threading.Lock()

    def acquire(self, kind: Kind) -> None:
        """Block until a request of ``kind`` may go out, then count it."""
        while True:
            with self._lock:
                if kind not in self.limits:
                    self.sent[kind] += 1
                    return
                now = time.monotonic()
                recent = self._recent[kind]
                while recent and recent[0] <= now - self.window:
                    recent.popleft()
                full = recent[0] + self.window - now if len(recent) >= self.limits[kind] else 0.0
                delay = max(self._paused_until[kind] - now, full)
                if delay <= 0:
                    recent.append(now)
                    self.sent[kind] += 1
                    return
            time.sleep(delay)

    def pause(self, kind: Kind, seconds: float) -> None:
        if kind in self.limits:
            with self._lock:
                self._paused_until[kind] = max(self._paused_until[kind], time.monotonic() + seconds)


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

    def add(self, outcome: Outcome, name: str | None = None, reason: str | None = None) -> None:
        self.counts[outcome] += 1
        if outcome == "removed" and name:
            self.removed.append(name)
        if outcome == "failed":
            self.failures.append(f"{name}: {reason}")

    def refuse(self, name: str, reason: str) -> None:
        self.refusals.append(f"{name}: {reason}")

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
        out = [head]
        if self.removed:
            out.append("removed: " + ", ".join(sorted(self.removed)))
        out += [f"failed: {line}" for line in sorted(self.failures)]
        out += [f"refused: {line}" for line in sorted(self.refusals)]
        return out


# --- HTTP: hooks on the client's session ---------------------------------------


def _kind(url: httpx2.URL, endpoint_host: str) -> Kind:
    if url.host != endpoint_host:
        return "other"  # a CDN the Hub redirected to
    if "/resolve/" in url.path or url.path.startswith("/api/resolve-cache/"):
        return "file"
    return "api" if url.path.startswith("/api/") else "other"


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    info = parse_ratelimit_headers(headers)
    return float(info.reset_in_seconds) if info and info.remaining == 0 else None


@contextmanager
def _hooked_session(*, endpoint: str, policy: Policy, budget: RequestBudget) -> Iterator[None]:
    """Make every request the client sends time-limited, budgeted and size-checked,
    and keep the client's own progress bars quiet."""
    host = urlsplit(endpoint).hostname or ""
    caps = ("connect", "read", "write", "pool")

    def on_request(request: httpx2.Request) -> None:
        timeout = request.extensions.get("timeout") or {}
        request.extensions = {
            **request.extensions,
            "timeout": {k: min(timeout.get(k) or policy.timeout, policy.timeout) for k in caps},
        }
        budget.acquire(_kind(request.url, host))

    def on_response(response: httpx2.Response) -> None:
        kind = _kind(response.request.url, host)
        if response.status_code in (429, 503) and (seconds := _retry_after(response.headers)) is not None:
            budget.pause(kind, min(seconds, policy.window))
        if kind == "file" and response.is_success:
            size = response.headers.get("x-linked-size") or response.headers.get("content-length") or "0"
            if size.isdigit() and int(size) > policy.max_readme_bytes:
                raise _Refused(f"README is {int(size):,} bytes, over the {policy.max_readme_bytes:,}-byte limit")

    def factory() -> httpx2.Client:
        client = default_client_factory()
        client.event_hooks = {
            "request": [*client.event_hooks["request"], on_request],
            "response": [*client.event_hooks["response"], on_response],
        }
        return client

    bars_were_off = are_progress_bars_disabled()
    disable_progress_bars()  # one bar per README would garble ours
    set_client_factory(factory)
    try:
        yield
    finally:
        set_client_factory(default_client_factory)
        if not bars_were_off:
            enable_progress_bars()


# --- one README ------------------------------------------------------------------


def _content_matches(etag: str, data: bytes) -> bool:
    """The Hub's ETag is the git blob id of a plain file, the sha256 of an LFS one."""
    if len(etag) == 40:
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == etag
    if len(etag) == 64:
        return hashlib.sha256(data).hexdigest() == etag
    return False


def _download_readme(repo_id: str, sha: str, *, endpoint: str, cache_dir: Path, policy: Policy) -> bytes | None:
    """README bytes of ``repo_id`` at ``sha``, checked against what the Hub claimed; None if it has none."""
    try:
        path = Path(
            hf_hub_download(
                repo_id,
                README,
                revision=sha,
                endpoint=endpoint,
                cache_dir=cache_dir,
                etag_timeout=policy.timeout,
                library_name="huggingtweets-gallery",
                library_version=_version(),
            )
        )
    except RemoteEntryNotFoundError:
        return None
    if path.parent.name != sha:
        raise FetchError(f"the Hub answered with commit {path.parent.name}, not the listed {sha}")
    blob = path.resolve()
    size = blob.stat().st_size
    if size > policy.max_readme_bytes:
        raise _Refused(f"README is {size:,} bytes, over the {policy.max_readme_bytes:,}-byte limit")
    data = blob.read_bytes()
    if blob.parent.name == "blobs" and not _content_matches(blob.name, data):
        raise FetchError(f"README body ({size} bytes) does not match its ETag {blob.name}")
    return data


#: Not worth a retry: refusals, definite answers, and a metadata HEAD that the
#: client itself already retried with backoff (LocalEntryNotFoundError).
_PERMANENT = (_Refused, RepositoryNotFoundError, RevisionNotFoundError, GatedRepoError, LocalEntryNotFoundError)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, _PERMANENT):
        return False
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status in (408, 429) or status >= 500
    return isinstance(exc, (FetchError, httpx2.TransportError, OSError))


def _exc_retry_after(exc: BaseException | None) -> float:
    while exc is not None:
        response = getattr(exc, "response", None)
        if isinstance(response, httpx2.Response) and (seconds := _retry_after(response.headers)) is not None:
            return seconds
        exc = exc.__cause__ or exc.__context__
    return 0.0


def _with_retries(call: Callable[[int], T], *, policy: Policy) -> T:
    """Run ``call(attempt)``, retrying transient failures with exponential backoff
    (at least as long as any ``Retry-After``) up to ``policy.retries`` times."""
    for attempt in range(policy.retries + 1):
        try:
            return call(attempt)
        except Exception as exc:
            if attempt == policy.retries or not _transient(exc):
                raise
            backoff = min(policy.max_backoff, policy.backoff * 2**attempt)
            time.sleep(max(backoff, min(_exc_retry_after(exc), policy.window)))  # a Retry-After of hours: no
    raise AssertionError("unreachable")


# --- the run ---------------------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("huggingtweets-gallery")
    except metadata.PackageNotFoundError:
        return "dev"


def _hub_time(value: datetime) -> str:
    """The Hub's own timestamp form (``2021-05-07T12:00:00.000Z``)."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _meta(info: ModelInfo, *, has_readme: bool) -> dict[str, Any]:
    """``meta.json`` for a listed model: the Hub's field names, only what it told us."""
    meta: dict[str, Any] = {"id": info.id, "sha": info.sha}
    for key, value in (("createdAt", info.created_at), ("lastModified", info.last_modified)):
        if value is not None:
            meta[key] = _hub_time(value)
    for key in ("downloads", "likes", "tags", "pipeline_tag", "library_name"):
        if (value := getattr(info, key)) is not None:
            meta[key] = value
    if not has_readme:
        meta["has_readme"] = False
    return meta


def _redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


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
    """A rich progress bar on a terminal, plain log lines (every 10 %) otherwise."""

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

    def log(self, message: str) -> None:
        message = _redact(message, self.secret)
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=sys.stderr, flush=True)

    def advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.advance(self._task)
        elif self.done >= self._next_log or self.done == self.total:
            print(f"fetch: {self.done}/{self.total} READMEs", file=sys.stderr, flush=True)
            self._next_log = self.done + max(1, self.total // 10)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# --- avatars (optional) --------------------------------------------------------------

AVATARS = ".avatars"
AVATAR_INDEX = "index.json"
AVATAR_PX = 128  # the thumbnails draw avatars 128 px across


def _avatar_bytes(url: str, *, policy: Policy) -> bytes | None:
    """The avatar at ``url`` as a small square JPEG; None if the server says it is gone."""
    from PIL import Image, ImageOps

    with get_session().stream("GET", url, follow_redirects=False) as response:
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code}")
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) > policy.max_avatar_bytes:
                raise _Refused(f"over {policy.max_avatar_bytes:,} bytes")
    try:
        with Image.open(io.BytesIO(bytes(data))) as image:
            image.draft("RGB", (AVATAR_PX * 2, AVATAR_PX * 2))  # JPEG: decode at a reduced size
            small = ImageOps.fit(image.convert("RGB"), (AVATAR_PX, AVATAR_PX), Image.Resampling.LANCZOS)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _Refused(f"not an image ({exc})") from exc
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def cache_avatars(*, cards_dir: Path, workers: int, policy: Policy) -> list[str]:
    """Keep ``cards_dir/.avatars`` in step with the avatar URLs the cards use; return summary lines.

    Each image is stored once, as a 128 px square JPEG named after its URL
    (``<sha256(url)[:16]>.jpg``, see :func:`generator.thumbnails.avatar_cache_path`),
    so pages and thumbnails never hot-link. Most old ``pbs.twimg.com`` URLs are
    dead: a 404 or 410 goes into ``index.json`` (``{"gone": {url: date}}``) and
    is not asked again; images no card uses any more are deleted. Failures are
    reported and retried next run; they do not fail the fetch.
    """
    from .normalise import normalise_paths
    from .thumbnails import avatar_cache_path, avatar_cache_stem

    folder = cards_dir / AVATARS
    index_path = folder / AVATAR_INDEX
    try:
        gone: dict[str, str] = json.loads(index_path.read_text(encoding="utf-8"))["gone"]
    except FileNotFoundError:
        gone = {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"avatars: {index_path} unreadable ({exc}); starting a new one", file=sys.stderr)
        gone = {}
    urls = sorted({u.avatar for bot in normalise_paths([cards_dir]) for u in bot.users if u.avatar})
    wanted = [u for u in urls if re.fullmatch(policy.avatar_url, u)]
    todo = [u for u in wanted if u not in gone and avatar_cache_path(folder, u) is None]
    counts: Counter[str] = Counter()
    failures: list[str] = []
    today = datetime.now(timezone.utc).date().isoformat()

    def one(url: str) -> Literal["new", "gone"]:
        data = _avatar_bytes(url, policy=policy)
        if data is None:
            return "gone"
        atomic_write(folder / f"{avatar_cache_stem(url)}.jpg", data)
        return "new"

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="avatars") as pool:
        for url, future in [(u, pool.submit(one, u)) for u in todo]:
            try:
                outcome = future.result()
            except Exception as exc:
                failures.append(f"avatar failed: {url}: {_reason(exc)}")
                continue
            counts[outcome] += 1
            if outcome == "gone":
                gone[url] = today
    keep = {avatar_cache_stem(u) for u in wanted}
    for path in folder.glob("*.*") if folder.is_dir() else ():
        if path.name != AVATAR_INDEX and path.stem not in keep:
            path.unlink()
            counts["pruned"] += 1
    in_use = set(wanted)
    atomic_write(index_path, dump_meta({"gone": {u: d for u, d in sorted(gone.items()) if u in in_use}}))
    cached = sum(1 for u in wanted if avatar_cache_path(folder, u) is not None)
    head = (
        f"avatars: {len(urls)} used, {cached} cached ({counts['new']} new), {len(gone)} gone"
        f" ({counts['gone']} new), {len(failures)} failed, {len(urls) - len(wanted)} not allowed,"
        f" {counts['pruned']} pruned"
    )
    return [head, *failures]


def _offline() -> bool:
    return any(os.environ.get(v, "").upper() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _triage(listing: list[ModelInfo], *, author: str, summary: Summary) -> tuple[dict[str, ModelInfo], set[str]]:
    """The listed models we accept, by name, and every name listed (so a refused
    entry never gets its previous card removed)."""
    remote: dict[str, ModelInfo] = {}
    listed: set[str] = set()
    for info in listing:
        name = info.id[len(author) + 1 :] if info.id.startswith(f"{author}/") else ""
        listed.add(name)
        if not is_valid_name(name):
            summary.refuse(repr(info.id), f"not {author}/<name> with a plain name")
        elif name in remote:
            summary.refuse(info.id, "listed twice; kept the first")
        elif not isinstance(info.sha, str) or not _SHA_RE.fullmatch(info.sha):
            summary.refuse(info.id, f"the listing gives no valid sha ({info.sha!r}); previous card kept")
        else:
            remote[name] = info
    return remote, listed


def _download_all(
    todo: list[tuple[str, ModelInfo, dict[str, Any]]],
    *,
    is_new: Callable[[str], bool],
    cards_dir: Path,
    endpoint: str,
    cache: Path,
    workers: int,
    policy: Policy,
    summary: Summary,
    reporter: _Reporter,
) -> None:
    """Download and store each README in ``todo``, ``workers`` at a time; a
    Ctrl-C stops handing out work and marks the summary interrupted."""

    def one(name: str, info: ModelInfo, meta: dict[str, Any]) -> Outcome:
        # A fresh cache per attempt: a retry must not get back the bad file it is retrying.
        data = _with_retries(
            lambda attempt: _download_readme(info.id, info.sha, endpoint=endpoint, cache_dir=cache / str(attempt), policy=policy),
            policy=policy,
        )
        write_entry(cards_dir, name, readme=data, meta=meta if data is not None else meta | {"has_readme": False})
        return "new" if is_new(name) else "changed"

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    try:
        futures: dict[Future[Outcome], str] = {pool.submit(one, *item): item[1].id for item in todo}
        pending = set(futures)
        while pending:  # short waits, so that Ctrl-C gets through
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    summary.add(future.result())
                except _Refused as exc:
                    summary.refuse(futures[future], f"{exc}; previous card kept")
                    reporter.log(f"refused {futures[future]}: {exc}")
                except Exception as exc:
                    reason = _reason(exc)
                    summary.add("failed", futures[future], reason)
                    reporter.log(f"failed {futures[future]}: {reason}")
                reporter.advance()
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        pool.shutdown(wait=not summary.interrupted, cancel_futures=True)
        reporter.close()


def fetch(*, cards_dir: Path, author: str, workers: int, avatars: bool = False, policy: Policy | None = None) -> int:
    """Bring ``cards_dir`` up to date with ``author``'s models on the Hub; return the exit code.

    0: everything listed is in the snapshot, but for models refused on purpose
    (named in ``refused:`` lines); 1: some model failed (its previous card is kept) or the listing failed (nothing was changed); 2: bad arguments
    or offline mode; 130: interrupted. Reads ``HF_ENDPOINT``, ``HF_TOKEN`` and
    ``HF_HUB_OFFLINE`` now, not at import. ``avatars``: also refresh the avatar
    cache (:func:`cache_avatars`) once the cards are in.
    """
    policy = policy or Policy()
    if _offline():
        print("error: cannot fetch while HF_HUB_OFFLINE is set (offline mode); unset it to refresh the cards", file=sys.stderr)
        return 2
    if not _AUTHOR_RE.fullmatch(author):
        print(f"error: {author!r} is not a Hub user or organisation name", file=sys.stderr)
        return 2
    if workers < 1:
        print(f"error: --workers must be at least 1, not {workers}", file=sys.stderr)
        return 2
    endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    secret = os.environ.get("HF_TOKEN") or None
    started = time.monotonic()
    budget = RequestBudget(limits={"api": policy.api_budget, "file": policy.file_budget}, window=policy.window)
    summary = Summary()

    cards_dir.mkdir(parents=True, exist_ok=True)
    if cleaned := clean_temporaries(cards_dir):
        print(f"fetch: removed {cleaned} temporary files left by an interrupted run", file=sys.stderr)
    local = {
        s.name: s
        for s in iter_sources([cards_dir])
        if s.path.is_dir() and s.path.parent == cards_dir and is_valid_name(s.name)
    }

    with _hooked_session(endpoint=endpoint, policy=policy, budget=budget), tempfile.TemporaryDirectory(
        prefix="gallery-hf-cache-", ignore_cleanup_errors=True
    ) as cache:
        print(f"fetch: listing the models of {author} on {endpoint}", file=sys.stderr, flush=True)
        try:
            api = HfApi(endpoint=endpoint, library_name="huggingtweets-gallery", library_version=_version())
            listing = list(api.list_models(author=author, expand=EXPAND))
        except Exception as exc:  # whatever went wrong, stop before touching the snapshot
            message = f"error: listing the models of {author} on {endpoint} failed ({type(exc).__name__}: {exc})"
            print(_redact(f"{message}; cards left as they were", secret), file=sys.stderr)
            return 1
        summary.listed = len(listing)
        remote, listed = _triage(listing, author=author, summary=summary)
        if not remote and local:
            print(f"error: the Hub lists no models of {author}; refusing to empty {cards_dir}", file=sys.stderr)
            return 1

        reporter_lines: list[str] = []
        for name in sorted(set(local) - listed):
            remove_entry(cards_dir, name)
            summary.add("removed", name)
            reporter_lines.append(f"removed {author}/{name} (no longer on the Hub)")

        todo: list[tuple[str, ModelInfo, dict[str, Any]]] = []
        for name, info in sorted(remote.items()):
            has_readme = info.siblings is None or any(s.rfilename == README for s in info.siblings)
            meta = _meta(info, has_readme=has_readme)
            old = local.get(name)
            if old is not None and old.meta.get("sha") == info.sha and (old.readme is not None) == has_readme:
                summary.add("unchanged")
                if old.meta != meta:  # downloads, likes...: no download needed
                    atomic_write(cards_dir / name / META, dump_meta(meta))
                    summary.refreshed += 1
            elif not has_readme:
                write_entry(cards_dir, name, readme=None, meta=meta)
                summary.add("changed" if old else "new")
            else:
                todo.append((name, info, meta))

        reporter = _Reporter(len(todo), secret=secret)
        for line in reporter_lines:
            reporter.log(line)
        _download_all(
            todo,
            is_new=lambda name: name not in local,
            cards_dir=cards_dir,
            endpoint=endpoint,
            cache=Path(cache),
            workers=workers,
            policy=policy,
            summary=summary,
            reporter=reporter,
        )
        avatar_lines = (
            cache_avatars(cards_dir=cards_dir, workers=workers, policy=policy) if avatars and not summary.interrupted else []
        )

    for line in summary.lines(author=author, seconds=time.monotonic() - started, sent=budget.sent) + avatar_lines:
        print(_redact(line, secret), flush=True)
    if summary.interrupted:
        return 130
    return 1 if summary.counts["failed"] else 0
