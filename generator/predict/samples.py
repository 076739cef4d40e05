"""The ``samples.json`` format: what a bot's model said, and how it was asked.

One file per model, ``cards/<name>/samples.json``, written by the predict
stage and read by the normaliser (so the samples travel in the
:class:`~generator.models.Bot` record to every page). No heavy imports here:
the site build reads samples without torch or transformers installed.

A file records either samples or the reason the model could not be run::

    {
      "schema": 1,
      "model": "huggingtweets/dril",
      "revision": "<sha the files were downloaded at>",
      "checked_revision": "<latest snapshot sha whose files hash the same>",
      "files": {"config.json": "<git blob id>", "model.safetensors": "<sha256>", ...},
      "key": "<sha256 of files + prompt + settings version>",
      "prompt": "My dream is",
      "settings": {"version": 1, "seed": 42, ...},
      "engine": {"torch": "2.13.0", "transformers": "5.24.0", ...},
      "generated": "2026-12-01",
      "seconds": {"download": 1.2, "load": 0.4, "generate": 2.1},
      "samples": ["...", ...],
      "error": null
    }

``key`` decides whether the samples are current. It hashes the content of
the files that were run (their Hub object ids: a git blob id, or the sha256 of
an LFS file), the prompt and :data:`SETTINGS_VERSION`, and nothing else: not
the repo's commit sha, since a README edit changes that but not what the model
says, and not the library versions, which are recorded only (bumping
transformers must not mean downloading terabytes again). ``seconds`` are not
written by default: two runs must give byte-identical files, so timings go to
the log instead; ``generated`` is a date (``SOURCE_DATE_EPOCH`` fixes it).

Generated text is untrusted, like card text: :func:`clean_sample` caps its
length and removes control and format characters, both when it is written and
again when it is read back (the committed file may have been edited by hand).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..models import DEFAULT_PROMPT, Samples

#: The file in each model's snapshot folder.
SAMPLES = "samples.json"
#: Version of the file's layout; a reader refuses any other.
SCHEMA = 1
#: Bumped whenever :data:`SETTINGS` change, so every model is run again.
SETTINGS_VERSION = 1
#: How every model is asked. One batched call, seeded, one thread.
SETTINGS: dict[str, Any] = {
    "version": SETTINGS_VERSION,
    "seed": 42,
    "do_sample": True,
    "top_k": 50,
    "top_p": 0.95,
    "temperature": 1.0,
    "max_new_tokens": 40,
    "num_return_sequences": 5,
}
# DEFAULT_PROMPT (models): the prompt when a card names none; nearly every card says exactly it.
__all__ = ["DEFAULT_PROMPT", "SAMPLES", "SCHEMA", "SETTINGS", "SETTINGS_VERSION", "cache_key", "clean_sample", "pick", "read_samples"]

#: Longest sample kept, in characters (40 tokens are ~200; a hostile tokenizer is not).
MAX_SAMPLE_CHARS = 400
#: Most samples read back from one file.
MAX_SAMPLES = 10
#: Longest prompt used (real ones are a few words).
MAX_PROMPT_CHARS = 200
#: Largest samples.json read back, in bytes.
MAX_FILE_BYTES = 64 * 1024
#: Longest failure reason kept.
MAX_ERROR_CHARS = 300
#: Most settings or engine entries read back.
MAX_ENTRIES = 20
#: Consecutive line breaks kept inside a sample.
MAX_BLANK_LINES = 1

_KEEP_FORMAT = {0x200C, 0x200D}  # joiners: emoji sequences and Indic scripts need them
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHA_RE = re.compile(r"^[0-9a-f]{40}$")


def clean_sample(text: str, *, limit: int = MAX_SAMPLE_CHARS) -> str:
    """Generated text made safe to keep: control and format characters removed,
    line breaks kept (at most one blank line), surrounding space stripped and the
    length capped at ``limit`` characters (cut at a word where one is near).

    >>> clean_sample("  hi\\x1b[31m there\\u202e!\\r\\n\\n\\n\\nbye ")
    'hi[31m there!\\n\\nbye'
    >>> len(clean_sample("word " * 200))
    399
    """
    out = []
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        cat = unicodedata.category(ch)
        if ch == "\n":
            out.append(ch)
        elif ch == "\t" or ch.isspace():
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ord(ch) not in _KEEP_FORMAT):
            continue
        else:
            out.append(ch)
    lines = [" ".join(line.split()) for line in "".join(out).split("\n")]
    kept: list[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= MAX_BLANK_LINES:
            kept.append(line)
    cleaned = "\n".join(kept).strip()
    if len(cleaned) > limit:
        cut = cleaned[:limit]
        space = cut.rfind(" ")
        cleaned = (cut[:space] if space > limit * 0.8 else cut).rstrip()
    return cleaned


def cache_key(*, files: Mapping[str, str], prompt: str, settings_version: int = SETTINGS_VERSION) -> str:
    """The samples' identity: the files' content hashes, the prompt and the settings version.

    >>> a = cache_key(files={"config.json": "ab", "model.safetensors": "cd"}, prompt="My dream is")
    >>> a == cache_key(files={"model.safetensors": "cd", "config.json": "ab"}, prompt="My dream is")
    True
    >>> a == cache_key(files={"config.json": "ab", "model.safetensors": "ce"}, prompt="My dream is")
    False
    """
    body = json.dumps(
        {"files": dict(sorted(files.items())), "prompt": prompt, "settings": settings_version},
        sort_keys=True,
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def generation_date() -> str:
    """Today in UTC as ``YYYY-MM-DD``, or the day of ``SOURCE_DATE_EPOCH`` when it is set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%d")


def dump(record: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a samples.json (sorted keys, so equal records are equal files)."""
    return (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def load_raw(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or ``None`` if it is missing, oversized or not a
    samples file of this schema (the stage then treats the model as not yet run)."""
    try:
        if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("schema") == SCHEMA else None


def _scalars(value: Any) -> tuple[tuple[str, str | int | float | bool], ...]:
    """A settings or engine mapping as (name, scalar) pairs; anything else is dropped."""
    if not isinstance(value, dict):
        return ()
    out: list[tuple[str, str | int | float | bool]] = []
    for k, v in list(value.items())[:MAX_ENTRIES]:
        if not isinstance(k, str) or not isinstance(v, (str, int, float, bool)):
            continue
        out.append((clean_sample(k, limit=40), clean_sample(v, limit=80) if isinstance(v, str) else v))
    return tuple(out)


def read_samples(folder: Path) -> tuple[Samples | None, list[str]]:
    """The samples in ``folder/samples.json`` as a :class:`Samples`, and any problems.

    No file, or a file that records a failure: ``(None, [])``. A file that
    cannot be used (too large, not JSON, another schema, wrong types) gives a
    problem naming the file, and no samples. Every text is cleaned again.
    """
    path = folder / SAMPLES
    if path.is_symlink():  # a committed link could point anywhere on the machine that builds
        return None, [f"{SAMPLES} is a symbolic link; not read"]
    if not path.is_file():
        return None, []
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [f"{SAMPLES} could not be read ({exc.strerror})"]
    if size > MAX_FILE_BYTES:
        return None, [f"{SAMPLES} is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit"]
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, [f"{SAMPLES} is not valid JSON ({type(exc).__name__})"]
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None, [f"{SAMPLES} is not a schema-{SCHEMA} samples file"]
    if data.get("error"):
        return None, []
    texts = data.get("samples")
    prompt = data.get("prompt")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not isinstance(prompt, str):
        return None, [f"{SAMPLES} needs 'prompt' (text) and 'samples' (a list of texts)"]
    cleaned = tuple(clean_sample(t) for t in texts[:MAX_SAMPLES])
    if not any(cleaned):
        return None, []
    generated = data.get("generated")
    revision = data.get("revision")
    return (
        Samples(
            prompt=clean_sample(prompt, limit=MAX_PROMPT_CHARS).replace("\n", " "),
            texts=cleaned,
            settings=_scalars(data.get("settings")),
            engine=_scalars(data.get("engine")),
            generated=generated if isinstance(generated, str) and _DATE_RE.match(generated) else None,
            revision=revision if isinstance(revision, str) and _SHA_RE.match(revision) else None,
        ),
        [],
    )


def pick(texts: Sequence[str], *, fits: int = 160) -> str | None:
    """The sample to show where there is room for one: the first whose text
    (on one line) is between a few words and ``fits`` characters; else the
    first non-empty one. Deterministic, so a thumbnail changes only with its samples.

    >>> pick(["", "ok", "a real sentence of words", "x" * 500])
    'a real sentence of words'
    >>> pick(["hi", ""])
    'hi'
    """
    flat = [" ".join(t.split()) for t in texts]
    for text in flat:
        if 12 <= len(text) <= fits:
            return text
    return next((t for t in flat if t), None)
