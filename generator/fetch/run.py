"""The run: list the author's models, sort out what changed, download those
READMEs, write the snapshot, remove what is gone, and report."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import RemoteEntryNotFoundError
from huggingface_hub.hf_api import ModelInfo

from ..errors import FetchError
from ..snapshot import (
    META,
    atomic_write,
    clean_temporaries,
    dump_meta,
    is_valid_name,
    iter_sources,
    remove_entry,
    write_entry,
)
from .avatars import cache_avatars
from .http import Policy, RequestBudget, _hooked_session, _Refused, _with_retries
from .report import Outcome, Summary, _redact, _reason, _Reporter

DEFAULT_ENDPOINT = "https://huggingface.co"
#: The listing fields the gallery needs; ``siblings`` tells which repos lack a README.
EXPAND = ["sha", "createdAt", "lastModified", "downloads", "likes", "tags", "pipeline_tag", "library_name", "siblings"]
README = "README.md"
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_AUTHOR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_TRUE = {"1", "ON", "YES", "TRUE"}  # the client's own reading of boolean env vars


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
