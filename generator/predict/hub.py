"""Which files a model needs to run, their content hashes, and downloading them.

Only what inference reads is ever downloaded: the config, the weights (the
safetensors file when the repo has one, else the PyTorch pickle), the
tokenizer files and the generation config. Never the Flax or TensorFlow
weights, nor training_args.bin or optimizer states (huggingtweets repos carry
some of these; each is as large as the model).

One ``paths-info`` request per model tells each file's object id (the git blob
id, or an LFS file's sha256) at the snapshot's pinned revision: the cache key
is made of those, so a model whose files did not change is never downloaded
again. Downloads use the real ``huggingface_hub`` client, pinned to the
revision, into a throw-away folder, and every file is checked against its id.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import hashlib  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from huggingface_hub import HfApi, hf_hub_download  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from ..errors import PredictError  # noqa: E402

#: The weights, in order of preference (safetensors loads without unpickling).
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
#: Everything else inference may read; each only when the repo has it.
NEEDED = ("config.json",)
OPTIONAL = (
    "generation_config.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
)
#: Largest weights file run, in bytes (GPT-2 small is ~510 MB; medium, 1.4 GB, is not a huggingtweets size).
MAX_WEIGHTS_BYTES = 1024**3
#: Largest other file, in bytes (a GPT-2 tokenizer.json is ~1.4 MB).
MAX_FILE_BYTES = 16 * 1024**2


class Unrunnable(PredictError):
    """The model cannot be run as its files stand; recorded and not retried until they change."""


@dataclass(frozen=True)
class RemoteFile:
    """One file of a model at a revision, as the Hub describes it."""

    path: str
    size: int
    oid: str  # sha256 for an LFS file, else the git blob id
    lfs: bool


@dataclass(frozen=True)
class Plan:
    """The files to download for one model at one revision."""

    repo_id: str
    revision: str
    files: tuple[RemoteFile, ...]

    @property
    def hashes(self) -> dict[str, str]:
        return {f.path: f.oid for f in self.files}

    @property
    def weights(self) -> RemoteFile:
        return next(f for f in self.files if f.path in WEIGHTS)


def plan(api: HfApi, repo_id: str, revision: str) -> Plan:
    """Ask the Hub which inference files ``repo_id`` has at ``revision`` (one request).

    Raises :class:`Unrunnable` when it has no weights or no config, or a file is
    over its size bound, and lets the client's errors through for the caller
    to tell apart (a missing repo; a transient failure).
    """
    wanted = [*NEEDED, *WEIGHTS, *OPTIONAL]
    entries = api.get_paths_info(repo_id, wanted, revision=revision)
    found = {}
    for entry in entries:
        path = getattr(entry, "path", None)
        if path not in wanted or not hasattr(entry, "blob_id"):
            continue
        lfs = getattr(entry, "lfs", None)
        size = int(lfs.size if lfs else entry.size or 0)
        found[path] = RemoteFile(path, size, lfs.sha256 if lfs else entry.blob_id, lfs is not None)
    for name in NEEDED:
        if name not in found:
            raise Unrunnable(f"no {name} at {revision[:12]}")
    weights = next((found[w] for w in WEIGHTS if w in found), None)
    if weights is None:
        raise Unrunnable(f"no weights at {revision[:12]} (neither {' nor '.join(WEIGHTS)})")
    if weights.size > MAX_WEIGHTS_BYTES:
        raise Unrunnable(f"weights {weights.path} are {weights.size:,} bytes, over the {MAX_WEIGHTS_BYTES:,}-byte limit")
    files = [found[n] for n in NEEDED] + [weights] + [found[n] for n in OPTIONAL if n in found]
    for f in files:
        if f is not weights and f.size > MAX_FILE_BYTES:
            raise Unrunnable(f"{f.path} is {f.size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit")
    if "tokenizer.json" not in found and not {"vocab.json", "merges.txt"} <= set(found):
        raise Unrunnable(f"no tokenizer at {revision[:12]} (neither tokenizer.json nor vocab.json + merges.txt)")
    return Plan(repo_id, revision, tuple(files))


def content_id(path: Path, *, lfs: bool) -> str:
    """The Hub's id of a file's bytes: sha256 for LFS, the git blob id otherwise."""
    size = path.stat().st_size
    digest = hashlib.sha256() if lfs else hashlib.sha1(b"blob %d\0" % size)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def download(plan_: Plan, *, into: Path, endpoint: str, token: str | None, etag_timeout: float = 30.0) -> Path:
    """Download the plan's files into the folder ``into`` and return it; each file is checked against the id the Hub gave for it.

    Raises :class:`Unrunnable` when a file the Hub listed answers 404 (or its
    bytes do not match, twice), :class:`PredictError` for anything a rerun may fix.
    """
    for f in plan_.files:
        for attempt in (1, 2):
            try:
                local = Path(
                    hf_hub_download(
                        plan_.repo_id,
                        f.path,
                        revision=plan_.revision,
                        local_dir=into,
                        endpoint=endpoint,
                        token=token or False,
                        etag_timeout=etag_timeout,
                        force_download=attempt > 1,
                    )
                )
            except EntryNotFoundError as exc:
                raise Unrunnable(f"{f.path} listed at {plan_.revision[:12]} but not served (404)") from exc
            except (RepositoryNotFoundError, RevisionNotFoundError, GatedRepoError) as exc:
                raise PredictError(f"{plan_.repo_id}@{plan_.revision[:12]}: {type(exc).__name__}") from exc
            except (HfHubHTTPError, OSError, ValueError) as exc:
                raise PredictError(f"downloading {f.path}: {type(exc).__name__}: {str(exc)[:200]}") from exc
            if content_id(local, lfs=f.lfs) == f.oid:
                break
            local.unlink(missing_ok=True)  # a blob with the wrong bytes: fetch it once more
            if attempt == 2:
                raise Unrunnable(f"{f.path} does not match its id {f.oid[:12]} (downloaded twice)")
    return into


def wanted_names() -> Sequence[str]:
    """Every file name the stage may download (for tests and the README)."""
    return (*NEEDED, *WEIGHTS, *OPTIONAL)
