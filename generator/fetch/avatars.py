"""The optional avatar cache (``fetch --avatars``): small JPEGs in ``cards/.avatars/``."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from huggingface_hub.utils import get_session

from ..errors import FetchError
from ..snapshot import AVATARS_DIR, atomic_write, dump_meta
from .http import DeadlineReached, Deadlines, Policy, _Refused
from .report import _reason, log

AVATARS = AVATARS_DIR  # the snapshot owns its layout: cards/.avatars/
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


def cache_avatars(*, cards_dir: Path, workers: int, policy: Policy, deadlines: Deadlines | None = None) -> list[str]:
    """Keep ``cards_dir/.avatars`` in step with the avatar URLs the cards use; return summary lines.

    Each image is stored once, as a 128 px square JPEG named after its URL
    (``<sha256(url)[:16]>.jpg``, see :func:`generator.snapshot.avatar_cache_path`),
    so pages and thumbnails never hot-link. Most old ``pbs.twimg.com`` URLs are
    dead: a 404 or 410 goes into ``index.json`` (``{"gone": {url: date}}``) and
    is not asked again; images no card uses any more are deleted. Failures are
    reported and retried next run; they do not fail the fetch.
    """
    from ..normalise import normalise_paths
    from ..snapshot import avatar_cache_path, avatar_cache_stem

    folder = cards_dir / AVATARS
    index_path = folder / AVATAR_INDEX
    try:
        gone: dict[str, str] = json.loads(index_path.read_text(encoding="utf-8"))["gone"]
    except FileNotFoundError:
        gone = {}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("avatars: %s unreadable (%s); starting a new one", index_path, exc)
        gone = {}
    urls = sorted({u.avatar for bot in normalise_paths([cards_dir]) for u in bot.users if u.avatar})
    wanted = [u for u in urls if re.fullmatch(policy.avatar_url, u)]
    todo = [u for u in wanted if u not in gone and avatar_cache_path(folder, u) is None]
    counts: Counter[str] = Counter()
    failures: list[str] = []
    today = datetime.now(timezone.utc).date().isoformat()

    deadlines = deadlines or Deadlines(run_seconds=policy.run_seconds)

    def one(url: str) -> Literal["new", "gone"]:
        with deadlines.task(policy.task_seconds, f"the avatar {url}"):
            data = _avatar_bytes(url, policy=policy)
        if data is None:
            return "gone"
        atomic_write(folder / f"{avatar_cache_stem(url)}.jpg", data)
        return "new"

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="avatars") as pool:
        for url, future in [(u, pool.submit(one, u)) for u in todo]:
            try:
                outcome = future.result()
            except DeadlineReached:
                counts["late"] += 1  # the run's deadline: asked again next run
                continue
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
    ) + (f", {counts['late']} left for the next run (deadline)" if counts["late"] else "")
    return [head, *failures]
