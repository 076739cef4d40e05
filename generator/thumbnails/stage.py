"""The thumbnail stage: draw every bot's card that changed, on all cores, with a manifest."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import snapshot
from ..errors import OutputCollisionError
from ..files import atomic_write, read_manifest, write_manifest
from ..models import Bot
from ..pool import map_chunked
from ..style import mpl_style
from . import draw
from .card import DRAW_VERSION, _Card, _card

log = logging.getLogger(__name__)

MANIFEST = ".manifest.json"
#: A thumbnail takes ~70 ms: two are already worth a second process.
POOL_MIN_ITEMS = 2
#: Cards per chunk at most, so progress is even on a big snapshot.
MAX_CHUNK = 64


def _draw_chunk(items: list[tuple[_Card, str]]) -> dict[str, str]:
    """Draw and write a chunk of cards (runs in a worker process).

    Returns name -> one-line reason for each card that could not be drawn:
    one bad card must not stop the other 5,000.
    """
    failed = {}
    with mpl_style():
        for card, path in items:
            try:
                data = draw._draw(card)
            except Exception as exc:  # noqa: BLE001 - reported by the caller, naming the model
                failed[card.name] = f"thumbnails: {card.id}: not drawn: {type(exc).__name__}: {exc}"
                continue
            # Readers never see half a PNG (a rename); an fsync a file cost ~0.5 ms of CPU a
            # thumbnail in the build, so the stage makes them durable at once, before the manifest.
            atomic_write(Path(path), data, sync=False)
    return failed


# --- the stage ----------------------------------------------------------------


def draw_thumbnails(
    bots: Sequence[Bot],
    *,
    out_dir: Path,
    avatars_dir: Path | None = None,
    samples: Mapping[str, Sequence[str]] | None = None,
    jobs: int | None = None,
) -> dict[str, Path]:
    """Draw ``out_dir/<bot.name>.png`` for every bot; return name -> path.

    ``avatars_dir`` holds cached avatar images (see :func:`avatar_cache_path`);
    ``samples`` maps a bot name to generated texts, the first non-empty one is
    shown after the prompt. A bot whose drawn fields (and cached avatar bytes)
    hash as recorded in ``out_dir/.manifest.json`` and whose PNG exists is not
    redrawn; PNGs the manifest lists for bots no longer given are deleted.
    ``jobs`` processes draw (default: all cores). A bot with an invalid repo
    name, or one whose drawing fails, is reported in one line on stderr and
    left out of the result (the page shows no thumbnail); two bots with the
    same name (case folded) raise :class:`~generator.errors.OutputCollisionError`.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    old = read_manifest(manifest_path, section="bots")
    seen: dict[str, str] = {}
    cards: list[_Card] = []
    for bot in bots:
        if not snapshot.is_valid_name(bot.name):
            log.warning("thumbnails: %s: not drawn: %r is not a valid repo name", bot.id, bot.name)
            continue
        if bot.name.lower() in seen:
            raise OutputCollisionError(
                f"thumbnails: {bot.id} and {seen[bot.name.lower()]} would both write {out_dir / (bot.name + '.png')}"
            )
        seen[bot.name.lower()] = bot.id
        cards.append(_card(bot, avatars_dir, samples))

    digests = {card.name: card.digest() for card in cards}
    todo = [
        (card, str(out_dir / f"{card.name}.png"))
        for card in cards
        if old.get(card.name) != digests[card.name] or not (out_dir / f"{card.name}.png").is_file()
    ]
    failed: dict[str, str] = {}
    for result in map_chunked(_draw_chunk, todo, jobs=jobs, min_items=POOL_MIN_ITEMS, max_chunk=MAX_CHUNK):
        failed.update(result)
    for name, message in sorted(failed.items()):
        log.warning("%s", message)
        del digests[name]  # not in the manifest: tried again next time

    if todo:  # every PNG drawn on disk before the manifest says it is (a crash redraws, never trusts a torn file)
        os.sync()
    for name in sorted((set(old) - set(digests)) | set(failed)):
        if snapshot.is_valid_name(name):
            (out_dir / f"{name}.png").unlink(missing_ok=True)
    write_manifest(manifest_path, {"version": DRAW_VERSION, "bots": digests})
    return {card.name: out_dir / f"{card.name}.png" for card in cards if card.name not in failed}
