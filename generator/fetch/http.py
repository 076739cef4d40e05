"""HTTP policy and budget: how hard a run may push the Hub, the hooks that put a
timeout cap, a request budget and a shared ``Retry-After`` pause on every request
the client sends, and our retries of what the client does not retry."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, TypeVar
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
