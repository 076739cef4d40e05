"""Writing files so a reader never sees half of one, and reading the build's manifests.

Every file the generator writes that another run (or a visitor) reads goes
through :func:`atomic_write`: a temporary file in the same folder, flushed
and fsynced, renamed into place. Killed mid-write, a run leaves the old file
or the new one, never a torn one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half.

    ``sync=False`` leaves out the fsync: for many files of a cache that the caller makes durable
    at once (one :func:`os.sync`) before anything that points at them is written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (what manifests record), as hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(path: Path, *, section: str | None = None) -> dict[str, str]:
    """The name -> digest mapping of a manifest (``section`` of it, if given); ``{}`` if unreadable.

    A missing, torn or hand-edited manifest only means everything is redone,
    so no error is raised; entries that are not text -> text are dropped.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if section is not None:
        data = data.get(section) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def write_manifest(path: Path, data: dict[str, object]) -> None:
    """Write a manifest (sorted keys, stable diffs), atomically."""
    atomic_write(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))
