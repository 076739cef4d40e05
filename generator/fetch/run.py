"""The run: list the author's models, sort out what changed, download those
READMEs, write the snapshot, remove what is gone, and say what happened (log
records as it goes, a :class:`~.report.FetchResult` at the end)."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from huggingface_hub import hf_hub_download
from huggingface_hub.errors import RemoteEntryNotFoundError
from huggingface_hub.hf_api import ModelInfo

from .. import config, history
from ..errors import FetchError, UsageError
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
from .http import DeadlineReached, Deadlines, Policy, RequestBudget, _hooked_session, _Refused, _with_retries
from .listing import list_models
from .report import FetchResult, Outcome, Summary, _redact, _reason, _Reporter, _say

DEFAULT_ENDPOINT = "https://huggingface.co"
#: The listing fields the gallery needs; ``siblings`` tells which repos lack a README.
EXPAND = ["sha", "createdAt", "lastModified", "downloads", "likes", "tags", "pipeline_tag", "library_name", "siblings"]
README = "README.md"
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_AUTHOR_RE = config.AUTHOR_RE  # one rule for an author name: the settings'
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


def _bad_string(value: Any, where: str = "") -> str | None:
    """The field path of the first string in ``value`` that is not valid Unicode
    (a lone surrogate, which JSON's ``\\ud800`` escapes can carry), else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "a value"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if (found := _bad_string(key, f"{where}.<key>" if where else "a key")) is not None:
                return found
            if (found := _bad_string(item, f"{where}.{key}" if where else str(key))) is not None:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if (found := _bad_string(item, f"{where}[{i}]")) is not None:
                return found
    return None


#: Listing fields and the types meta.json may hold for them.
_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "downloads": (int,),
    "likes": (int,),
    "tags": (list,),
    "pipeline_tag": (str, type(None)),
    "library_name": (str, type(None)),
    "createdAt": (str, type(None)),
    "lastModified": (str, type(None)),
    "siblings": (list, type(None)),
}


def _bad_field(item: dict[str, Any]) -> str | None:
    """Why a listing entry's known fields cannot go into meta.json, or None."""
    for key, types in _FIELD_TYPES.items():
        value = item.get(key)
        if key in item and (not isinstance(value, types) or isinstance(value, bool)):
            return f"{key} is {_preview(value)}, not {' or '.join(t.__name__ for t in types if t is not type(None))}"
        if key in ("downloads", "likes") and isinstance(value, int) and not 0 <= value <= MAX_COUNT:
            return f"{key} is {_preview(value)}, outside 0..{MAX_COUNT:,}"
    if any(not isinstance(tag, str) for tag in item.get("tags") or []):
        return "tags holds a value that is not a string"
    return None


#: The largest downloads or likes count the listing may claim.
MAX_COUNT = 10**12


def _preview(value: Any) -> str:
    text = ascii(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _name_of(repo_id: str, author: str) -> str:
    return repo_id[len(author) + 1 :] if repo_id.startswith(f"{author}/") else ""


def _triage(items: list[Any], *, author: str, local: set[str], summary: Summary) -> tuple[dict[str, ModelInfo], set[str]]:
    """The listed models we accept, by name, and every name listed (so a refused
    entry never gets its previous card removed). Each entry is checked on its
    own: a bad one is refused with its reason and the rest go on."""
    remote: dict[str, ModelInfo] = {}
    listed: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            summary.refuse(f"listing entry {index + 1}", f"not a model (an object with a string id): {_preview(item)}")
            continue
        repo_id: str = item["id"]
        name = _name_of(repo_id, author)
        listed.add(name)
        if not is_valid_name(name):
            summary.refuse(ascii(repo_id) if _bad_string(repo_id) else repr(repo_id), f"not {author}/<name> with a plain name")
            continue
        if (where := _bad_string(item)) is not None:
            summary.refuse(repo_id, f"{where} holds a string that is not valid Unicode (a lone surrogate); previous card kept")
            continue
        if (why := _bad_field(item)) is not None:
            summary.refuse(repo_id, f"{why}; previous card kept")
            continue
        try:
            info = ModelInfo(**{**item, "siblings": item.get("siblings")})
        except Exception as exc:  # a date that is not a date, a sibling that is not an object...
            summary.refuse(repo_id, f"the listing entry cannot be read ({type(exc).__name__}: {_preview(str(exc))}); previous card kept")
            continue
        if name in remote:
            summary.refuse(repo_id, "listed twice; kept the first")
        elif not isinstance(info.sha, str) or not _SHA_RE.fullmatch(info.sha):
            summary.refuse(repo_id, f"the listing gives no valid sha ({info.sha!r}); previous card kept")
        else:
            remote[name] = info
    # Names that differ only in case cannot both be stored: one folder on a
    # case-insensitive disk, one page and URL on the site. Keep the one already
    # in the snapshot, else the lower-case one, else the first in order.
    twins: dict[str, list[str]] = defaultdict(list)
    for name in remote:
        twins[name.casefold()].append(name)
    for names in twins.values():
        if len(names) > 1:
            keep = min(names, key=lambda n: (n not in local, n != n.lower(), n))
            for other in sorted(set(names) - {keep}):
                del remote[other]
                summary.refuse(
                    f"{author}/{other}",
                    f"differs only in case from {author}/{keep}, which is kept (both cannot be stored); previous card kept",
                )
    return remote, listed


def _allowed_removals(local: int) -> int:
    """How many models one run may remove from a snapshot of ``local`` without ``--allow-mass-removal``."""
    return max(config.MASS_REMOVAL_MODELS, math.floor(local * config.MASS_REMOVAL_SHARE))


def _download_all(
    todo: list[tuple[str, ModelInfo, dict[str, Any]]],
    *,
    is_new: Callable[[str], bool],
    cards_dir: Path,
    endpoint: str,
    cache: Path,
    workers: int,
    policy: Policy,
    deadlines: Deadlines,
    summary: Summary,
    reporter: _Reporter,
) -> None:
    """Download and store each README in ``todo``, ``workers`` at a time. A
    Ctrl-C stops handing out work and marks the summary interrupted; the run's
    deadline does the same and marks it late. Only whole files are written."""

    def one(name: str, info: ModelInfo, meta: dict[str, Any]) -> Outcome:
        deadlines.check()
        # A fresh cache per attempt: a retry must not get back the bad file it is retrying.
        data = _with_retries(
            lambda attempt: _download_readme(info.id, info.sha, endpoint=endpoint, cache_dir=cache / str(attempt), policy=policy),
            policy=policy,
            deadlines=deadlines,
            what=f"the README of {info.id}",
        )
        write_entry(cards_dir, name, readme=data, meta=meta if data is not None else meta | {"has_readme": False})
        return "new" if is_new(name) else "changed"

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    futures: dict[Future[Outcome], str] = {}
    try:
        futures = {pool.submit(one, *item): item[1].id for item in todo}
        pending = set(futures)
        while pending:  # short waits, so that Ctrl-C and the deadline get through
            done, pending = wait(pending, timeout=min(0.5, max(0.01, deadlines.remaining())), return_when=FIRST_COMPLETED)
            for future in done:
                if future.cancelled():  # not begun before the deadline: counted as late below
                    continue
                try:
                    summary.add(future.result())
                except DeadlineReached:
                    summary.late.append(futures[future])
                except _Refused as exc:
                    summary.refuse(futures[future], f"{exc}; previous card kept")
                    reporter.log(f"refused {futures[future]}: {exc}", logging.WARNING)
                except Exception as exc:
                    reason = _reason(exc)
                    summary.add("failed", futures[future], reason)
                    reporter.log(f"failed {futures[future]}: {reason}", logging.WARNING)
                reporter.advance()
            if deadlines.passed and not summary.deadline:
                summary.deadline = True
                reporter.log("fetch: the run's deadline passed; no new downloads, whole files only", logging.WARNING)
                for future in pending:
                    future.cancel()
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        pool.shutdown(wait=not summary.interrupted, cancel_futures=True)
        reporter.close()
    summary.late += [futures[f] for f in futures if f.cancelled()]


def fetch(
    *,
    cards_dir: Path,
    author: str,
    workers: int,
    avatars: bool = False,
    policy: Policy | None = None,
    allow_mass_removal: bool = False,
) -> FetchResult:
    """Bring ``cards_dir`` up to date with ``author``'s models on the Hub; return how it ended.

    The result's ``code`` is 0 when everything listed is in the snapshot, but
    for models refused on purpose (named in ``refused:`` lines); 1 when some
    model failed (its previous card is kept) or the listing failed (nothing was
    changed); 3 when removals were withheld, because the listing is not known
    to be complete or would remove more than :func:`_allowed_removals` models
    without ``allow_mass_removal`` (nothing was removed; the rest was
    refreshed); 4 when the run's deadline (``policy.run_seconds``) passed
    (every file written is whole; a rerun goes on from there); 130 when
    interrupted. When several apply, the first of 130, 3, 1, 4 wins. Its
    ``lines`` are the closing summary. Progress, failures and refusals are
    logged on ``generator.fetch`` as they happen (warnings for what failed or
    was refused). Reads ``HF_ENDPOINT``, ``HF_TOKEN`` and ``HF_HUB_OFFLINE``
    now, not at import. ``avatars``: also refresh the avatar cache
    (:func:`cache_avatars`) once the cards are in.

    Raises :class:`~generator.errors.UsageError` before any request when it
    cannot start: offline mode, or arguments no run can take (exit 2 on the
    command line).
    """
    if _offline():
        raise UsageError("cannot fetch while HF_HUB_OFFLINE is set (offline mode); unset it to refresh the cards")
    if not _AUTHOR_RE.fullmatch(author):
        raise UsageError(f"{author!r} is not a Hub user or organisation name")
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    policy = policy or Policy()
    if policy.run_seconds is not None and not policy.run_seconds > 0:
        raise UsageError(f"--minutes must be more than 0, not {policy.run_seconds / 60:g}")
    return _fetch(cards_dir=cards_dir, author=author, workers=workers, avatars=avatars, policy=policy, allow_mass_removal=allow_mass_removal)


def _fetch(*, cards_dir: Path, author: str, workers: int, avatars: bool, policy: Policy, allow_mass_removal: bool) -> FetchResult:
    endpoint = (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    secret = os.environ.get("HF_TOKEN") or None
    deadlines = Deadlines(run_seconds=policy.run_seconds)
    budget = RequestBudget(limits={"api": policy.api_budget, "file": policy.file_budget}, window=policy.window)
    summary = Summary()

    def log(message: str, level: int = logging.INFO) -> None:
        _say(message, secret=secret, level=level)

    cards_dir.mkdir(parents=True, exist_ok=True)
    if cleaned := clean_temporaries(cards_dir):
        log(f"fetch: removed {cleaned} temporary files left by an interrupted run")
    local = {
        s.name: s
        for s in iter_sources([cards_dir], author=author)
        if s.path.is_dir() and s.path.parent == cards_dir and is_valid_name(s.name)
    }

    with _hooked_session(endpoint=endpoint, policy=policy, budget=budget, deadlines=deadlines), tempfile.TemporaryDirectory(
        prefix="gallery-hf-cache-", ignore_cleanup_errors=True
    ) as cache:
        log(f"fetch: listing the models of {author} on {endpoint}")
        try:
            listing = list_models(
                endpoint=endpoint,
                author=author,
                expand=EXPAND,
                policy=policy,
                deadlines=deadlines,
                library=("huggingtweets-gallery", _version()),
                log=log,
            )
        except Exception as exc:  # nothing listed: stop before touching the snapshot
            log(f"error: listing the models of {author} on {endpoint} failed ({_reason(exc)}); cards left as they were", logging.ERROR)
            return FetchResult(4 if isinstance(exc, DeadlineReached) else 1)
        summary.listed = len(listing.items)
        summary.deadline = listing.deadline
        remote, listed = _triage(listing.items, author=author, local=set(local), summary=summary)
        if not remote and local:
            log(f"error: the Hub lists no models of {author}; refusing to empty {cards_dir}", logging.ERROR)
            return FetchResult(1)

        # Removals: only on the word of a complete listing, and a big drop only when asked for.
        gone = sorted(set(local) - listed)
        if listing.unconfirmed and gone:
            listing.incomplete = listing.unconfirmed
        if listing.incomplete:
            summary.incomplete = listing.incomplete
        if gone and listing.incomplete:
            summary.withhold(gone, f"the listing is incomplete: {listing.incomplete}")
        elif len(gone) > _allowed_removals(len(local)) and not allow_mass_removal:
            summary.withhold(
                gone,
                f"{len(gone):,} of {len(local):,} models would go, more than the {_allowed_removals(len(local)):,} one run"
                " may remove; rerun with --allow-mass-removal if the Hub really dropped them",
            )
        if not summary.withheld:
            for name in gone:
                remove_entry(cards_dir, name)
                summary.add("removed", name)
                log(f"removed {author}/{name} (no longer on the Hub)")
        remaining = {n.casefold(): n for n in local if n not in summary.removed}

        todo: list[tuple[str, ModelInfo, dict[str, Any]]] = []
        for name, info in sorted(remote.items()):
            twin = remaining.get(name.casefold())
            if name not in local and twin is not None:
                summary.refuse(info.id, f"differs only in case from {author}/{twin}, which is in the snapshot and kept")
                continue
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

        if summary.deadline:
            summary.late += [info.id for _, info, _ in todo]
            todo = []
        reporter = _Reporter(len(todo), secret=secret)
        _download_all(
            todo,
            is_new=lambda name: name not in local,
            cards_dir=cards_dir,
            endpoint=endpoint,
            cache=Path(cache),
            workers=workers,
            policy=policy,
            deadlines=deadlines,
            summary=summary,
            reporter=reporter,
        )
        avatar_lines: list[str] = []
        if avatars and not summary.interrupted and not summary.deadline:
            avatar_lines = cache_avatars(cards_dir=cards_dir, workers=workers, policy=policy, deadlines=deadlines)
        if not summary.interrupted:  # tonight's downloads and likes, for the gallery's trends (generator/history.py)
            avatar_lines.append(history.record(cards_dir))

    lines = summary.lines(author=author, seconds=time.monotonic() - deadlines.started, sent=budget.sent) + avatar_lines
    return FetchResult(summary.exit_code(), tuple(_redact(line, secret) for line in lines))
