"""HTTP policy and budget: how hard a run may push the Hub, the hooks that put a
timeout cap, a request budget and a shared ``Retry-After`` pause on every request
the client sends, and our retries of what the client does not retry."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx2
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import (
    are_progress_bars_disabled,
    disable_progress_bars,
    enable_progress_bars,
    parse_ratelimit_headers,
    set_client_factory,
)

# Private, but the only way to keep the client's own request hook (offline
# guard, request ids, download counter) on the session we add ours to.
from huggingface_hub.utils._http import default_client_factory

from .. import config
from ..errors import FetchError

Kind = Literal["api", "file", "other"]
T = TypeVar("T")


#: Every bound a run keeps, named (issue 8). The Policy fields below default to these.
#: Cap on each connect/read/write/pool wait of a request.
TIMEOUT_SECONDS = 30.0
#: A whole request, body included: a body sent at one byte a second ends here.
REQUEST_SECONDS = 60.0
#: One task (a README, a listing page) over all its attempts and Retry-After pauses.
TASK_SECONDS = 150.0
#: The longest ``Retry-After`` waited for (the Hub's windows are 5 minutes); a
#: longer one fails the request at once, and every request of its kind while it runs.
MAX_PAUSE_SECONDS = 120.0
#: A ``Retry-After`` is believed up to this long (a day); longer ones are taken as this.
MAX_RETRY_AFTER_SECONDS = 86400.0
#: Listing pages followed at most (the Hub serves up to 1,000 models a page).
MAX_LISTING_PAGES = 1000
#: Bytes read at most from one API answer (a listing page of 1,000 models is ~2 MB).
MAX_API_BYTES = 32 * 1024 * 1024
#: Bytes read at most from an avatar image.
MAX_AVATAR_BYTES = 2 * 1024 * 1024
#: Status codes worth a retry; the client must never retry them itself (it would
#: sleep for a whole ``Retry-After``, however long, five times).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Policy:
    """How hard a run may push the Hub, and how long it may take. The defaults
    stay inside the anonymous limits (500 API / 3,000 file requests per 5
    minutes) with a 10 % margin; tests and the benchmark pass shorter waits
    and a bigger budget."""

    timeout: float = TIMEOUT_SECONDS  # cap on connect/read/write/pool waits of every request
    request_seconds: float = REQUEST_SECONDS  # total deadline of one request, body included
    task_seconds: float = TASK_SECONDS  # deadline of one README or listing page, all attempts included
    run_seconds: float | None = config.DEFAULT_FETCH_MINUTES * 60  # deadline of the whole run (None: none)
    retries: int = 4  # our retries per README or listing page (the client's own are cut short)
    backoff: float = 2.0  # first wait before a retry, doubled each time
    max_backoff: float = 60.0
    max_pause: float = MAX_PAUSE_SECONDS  # longest Retry-After waited for
    api_budget: int = 450
    file_budget: int = 2700
    window: float = 300.0  # seconds the budgets apply to
    max_readme_bytes: int = config.MAX_README_BYTES
    max_api_bytes: int = MAX_API_BYTES
    max_listing_pages: int = MAX_LISTING_PAGES
    #: Avatar URLs that may be fetched (card text is untrusted: never any host).
    avatar_url: str = r"^https://(pbs|abs)\.twimg\.com/[^?#]+$"
    max_avatar_bytes: int = MAX_AVATAR_BYTES


class _Refused(FetchError):
    """A response we will not store and that a retry would not fix."""


class DeadlineReached(FetchError):
    """The run's deadline passed: stop, keep what is written, exit non-zero."""


class _TooSlow(FetchError):
    """One request or task took longer than its own deadline."""


class _WontWait(_TooSlow):
    """A wait (for a ``Retry-After``) that would outlast the task: not begun, and not retried."""


class _HubBusy(FetchError):
    """A status worth a retry (429, 5xx), raised from the response hook so that
    the client never retries it itself; our retries honour ``Retry-After``
    within the deadlines instead."""

    def __init__(self, status: int, path: str, retry_after: float | None) -> None:
        after = f" (Retry-After: {retry_after:g} s)" if retry_after is not None else ""
        super().__init__(f"HTTP {status} from {path}{after}")
        self.status = status
        self.retry_after = retry_after


class Deadlines:
    """The run's deadline, and one per task (a README, a listing page) for the
    thread doing it. Every request checks both before it goes out, every
    timeout is cut to what is left, and every chunk of a body checks them
    again, so no reply can hold a worker past them."""

    def __init__(self, *, run_seconds: float | None) -> None:
        self.started = time.monotonic()
        self.run_seconds = run_seconds
        self.run = self.started + run_seconds if run_seconds is not None else math.inf
        self._local = threading.local()

    @property
    def passed(self) -> bool:
        """Whether the run's deadline has passed."""
        return time.monotonic() >= self.run

    @contextmanager
    def task(self, seconds: float, what: str) -> Iterator[None]:
        """Give the calling thread's work in this block ``seconds`` at most."""
        previous = getattr(self._local, "task", None)
        self._local.task = [time.monotonic() + seconds, what, seconds]
        try:
            yield
        finally:
            self._local.task = previous

    def extend(self, seconds: float) -> None:
        """Do not count ``seconds`` (a wait for our own request budget) against the current task."""
        task = getattr(self._local, "task", None)
        if task is not None:
            task[0] += seconds

    def remaining(self) -> float:
        task = getattr(self._local, "task", None)
        return min(self.run, task[0] if task else math.inf) - time.monotonic()

    def check(self, *, wait: float = 0.0, run_only: bool = False, why: str = "") -> None:
        """Raise if the run's or the task's deadline passes within ``wait``
        seconds (a wait for ``why``): :class:`_TooSlow` for the task (a
        failure), :class:`DeadlineReached` for the run (the model is left for
        the next run)."""
        now = time.monotonic()
        if now >= self.run:
            minutes = (self.run_seconds or 0) / 60
            raise DeadlineReached(f"the run's {minutes:g}-minute deadline passed")
        task = getattr(self._local, "task", None)
        if not run_only and task is not None and now + wait >= task[0]:
            if wait and why:
                raise _WontWait(f"{task[1]} cannot wait {wait:.0f} s ({why}): past its {task[2]:g}-second deadline")
            raise _TooSlow(f"{task[1]} took longer than its {task[2]:g}-second deadline")
        if now + wait >= self.run:
            raise DeadlineReached(f"cannot wait {wait:.0f} s ({why or 'a pause'}) before the run's deadline")


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

    def acquire(self, kind: Kind, *, deadlines: Deadlines | None = None) -> None:
        """Block until a request of ``kind`` may go out, then count it. A wait
        that would outlast the deadlines raises at once instead: a pause for
        the Hub's ``Retry-After`` counts against the task, a wait for our own
        budget only against the run."""
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
                paused = self._paused_until[kind] - now
                delay = max(paused, full)
                if delay <= 0:
                    recent.append(now)
                    self.sent[kind] += 1
                    return
            if deadlines is not None:
                why = "for the request budget" if full >= paused else "the Hub's Retry-After"
                deadlines.check(wait=delay, run_only=full >= paused, why=why)
                if full >= paused:
                    deadlines.extend(delay)
            time.sleep(delay)

    def pause(self, kind: Kind, seconds: float) -> None:
        if kind in self.limits:
            with self._lock:
                self._paused_until[kind] = max(self._paused_until[kind], time.monotonic() + seconds)


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


class _GuardedStream(httpx2.SyncByteStream):
    """A response body read under a byte cap and a deadline, checked at every
    chunk: a body that never ends, or one sent a byte at a time, is cut off
    while it is read, not after."""

    def __init__(self, inner: Any, *, limit: int, what: str, deadline: float, seconds: float, deadlines: Deadlines) -> None:
        self.inner, self.limit, self.what = inner, limit, what
        self.deadline, self.seconds, self.deadlines = deadline, seconds, deadlines

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self.inner:
            size += len(chunk)
            if size > self.limit:
                raise _Refused(f"{self.what} passed the {self.limit:,}-byte limit while downloading")
            if time.monotonic() > self.deadline:
                raise _TooSlow(f"{self.what} took longer than the {self.seconds:g}-second limit of a request")
            self.deadlines.check()
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _GuardedTransport(httpx2.BaseTransport):
    """Wraps the client's transport so every body is read through a :class:`_GuardedStream`."""

    def __init__(self, inner: httpx2.BaseTransport, *, limits: Callable[[httpx2.URL], tuple[int, str]], policy: Policy, deadlines: Deadlines) -> None:
        self.inner, self.limits, self.policy, self.deadlines = inner, limits, policy, deadlines

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + self.policy.request_seconds
        response = self.inner.handle_request(request)
        limit, what = self.limits(request.url)
        response.stream = _GuardedStream(
            response.stream, limit=limit, what=what, deadline=deadline, seconds=self.policy.request_seconds, deadlines=self.deadlines
        )
        return response

    def close(self) -> None:
        self.inner.close()


def _guard_transports(client: httpx2.Client, wrap: Callable[[httpx2.BaseTransport], httpx2.BaseTransport]) -> None:
    """Wrap every transport of ``client`` (the default one and any proxy mounts).
    httpx2 has no public way to wrap the transport it builds from the environment."""
    client._transport = wrap(client._transport)
    client._mounts = {pattern: None if t is None else wrap(t) for pattern, t in client._mounts.items()}


@contextmanager
def _hooked_session(*, endpoint: str, policy: Policy, budget: RequestBudget, deadlines: Deadlines) -> Iterator[None]:
    """Make every request the client sends time-limited (timeouts, a total
    deadline per request, the task's and the run's deadlines), budgeted and
    size-checked while its body is read; keep the client from retrying (and
    sleeping) on its own; keep its progress bars quiet."""
    host = urlsplit(endpoint).hostname or ""
    caps = ("connect", "read", "write", "pool")

    def on_request(request: httpx2.Request) -> None:
        deadlines.check()  # also stops the client's own retries of a timeout once time is up
        budget.acquire(_kind(request.url, host), deadlines=deadlines)
        cap = max(0.05, min(policy.timeout, deadlines.remaining()))
        timeout = request.extensions.get("timeout") or {}
        request.extensions = {**request.extensions, "timeout": {k: min(timeout.get(k) or cap, cap) for k in caps}}

    def limits(url: httpx2.URL) -> tuple[int, str]:
        kind = _kind(url, host)
        if kind == "file":
            return policy.max_readme_bytes, "README"
        if kind == "api":
            return policy.max_api_bytes, f"the answer to {url.path}"
        return policy.max_avatar_bytes, f"the answer from {url.host}"

    def on_response(response: httpx2.Response) -> None:
        kind = _kind(response.request.url, host)
        if response.status_code in RETRY_STATUSES:
            seconds = _retry_after(response.headers)
            if response.status_code in (429, 503) and seconds is not None:
                # The whole pause, however long: requests that cannot wait it out fail at once.
                budget.pause(kind, min(seconds, MAX_RETRY_AFTER_SECONDS))
            raise _HubBusy(response.status_code, response.request.url.path, seconds)
        if kind == "file" and response.is_success:
            size = response.headers.get("x-linked-size") or response.headers.get("content-length") or "0"
            if size.isdigit() and int(size) > policy.max_readme_bytes:
                raise _Refused(f"README is {int(size):,} bytes, over the {policy.max_readme_bytes:,}-byte limit")

    def factory() -> httpx2.Client:
        client = default_client_factory()
        _guard_transports(client, lambda t: _GuardedTransport(t, limits=limits, policy=policy, deadlines=deadlines))
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


#: Not worth a retry: refusals, definite answers, and a metadata HEAD that the
#: client itself already retried with backoff (LocalEntryNotFoundError).
_PERMANENT = (_Refused, _WontWait, RepositoryNotFoundError, RevisionNotFoundError, GatedRepoError, LocalEntryNotFoundError)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, DeadlineReached):
        return False
    if isinstance(exc, _PERMANENT):
        return False
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        return status in (408, 429) or status >= 500
    return isinstance(exc, (FetchError, httpx2.TransportError, OSError))


def _exc_retry_after(exc: BaseException | None) -> float:
    while exc is not None:
        if isinstance(exc, _HubBusy) and exc.retry_after is not None:
            return exc.retry_after
        response = getattr(exc, "response", None)
        if isinstance(response, httpx2.Response) and (seconds := _retry_after(response.headers)) is not None:
            return seconds
        exc = exc.__cause__ or exc.__context__
    return 0.0


def _with_retries(call: Callable[[int], T], *, policy: Policy, deadlines: Deadlines, what: str) -> T:
    """Run ``call(attempt)`` as one task of ``policy.task_seconds`` at most,
    retrying transient failures with exponential backoff (at least as long as
    any ``Retry-After``; a longer one than ``policy.max_pause`` is not waited
    for) up to ``policy.retries``
    times. A wait that would outlast the task or the run is not begun: the last
    error is raised instead."""
    with deadlines.task(policy.task_seconds, what):
        for attempt in range(policy.retries + 1):
            try:
                return call(attempt)
            except Exception as exc:
                if attempt == policy.retries or not _transient(exc):
                    raise
                backoff = min(policy.max_backoff, policy.backoff * 2**attempt)
                retry_after = _exc_retry_after(exc)
                pause = max(backoff, retry_after)
                if retry_after > policy.max_pause or pause >= deadlines.remaining():  # a Retry-After of hours: no
                    raise
                time.sleep(pause)
    raise AssertionError("unreachable")
