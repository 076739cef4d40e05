"""Loading a downloaded GPT-2 and generating its samples: the only module that
imports torch and transformers, and only when :func:`load` is first called, so
nothing else in the generator (the site build above all) needs them installed.

Reproducible by construction: one thread, a fixed seed set right before one
batched ``generate`` call with every sampling setting spelled out
(:data:`generator.predict.samples.SETTINGS`), so neither the repo's
generation_config.json nor transformers' defaults decide them; what else that
file says applies, and it is part of the cache key like every file run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hub import Unrunnable

# Before transformers is imported: no background "convert to safetensors" job
# (it posts to the real Hub whatever HF_ENDPOINT says), no telemetry, no
# advisory chatter in the logs.
os.environ.setdefault("DISABLE_SAFETENSORS_CONVERSION", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

#: Threads torch may use: one per process, for speed on shared runners and for byte-identical output.
THREADS = 1
#: Longest a model may generate, in seconds (GPT-2 small on one CPU thread: ~3-10 s for 5 x 40 tokens).
MAX_GENERATE_SECONDS = 120.0
#: Architecture bounds: a config past these is refused before loading ("too large").
MAX_LAYERS = 48
MAX_WIDTH = 2048
MAX_VOCAB = 100_000
MAX_POSITIONS = 4096
#: Largest config.json read, in bytes.
MAX_CONFIG_BYTES = 256 * 1024


@dataclass
class Loaded:
    """A model and its tokenizer, ready to generate."""

    model: Any
    tokenizer: Any


def engine_versions() -> dict[str, str]:
    """The versions that produced a sample (recorded, never part of the cache key)."""
    import platform
    from importlib import metadata

    out = {"python": platform.python_version()}
    for name in ("torch", "transformers", "tokenizers", "safetensors", "huggingface_hub"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def check_config(folder: Path) -> dict[str, Any]:
    """The model's config, if it is a GPT-2 within the size bounds; else :class:`Unrunnable`."""
    path = folder / "config.json"
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise Unrunnable(f"config.json is over {MAX_CONFIG_BYTES:,} bytes")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unrunnable(f"config.json is not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(config, dict):
        raise Unrunnable("config.json is not a JSON object")
    if config.get("model_type") != "gpt2":
        raise Unrunnable(f"not a GPT-2 (model_type {str(config.get('model_type'))[:40]!r})")
    bounds = {"n_layer": MAX_LAYERS, "n_embd": MAX_WIDTH, "vocab_size": MAX_VOCAB, "n_positions": MAX_POSITIONS}
    for key, bound in bounds.items():
        value = config.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= bound):
            raise Unrunnable(f"too large or malformed: config {key} is {str(value)[:20]} (at most {bound})")
    return config


def load(folder: Path) -> Loaded:
    """Load the GPT-2 in ``folder`` (never from the network); :class:`Unrunnable` if it cannot be."""
    check_config(folder)
    import torch
    from transformers import AutoTokenizer, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.set_num_threads(THREADS)
    safetensors = (folder / "model.safetensors").is_file()
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        model = GPT2LMHeadModel.from_pretrained(
            folder, local_files_only=True, use_safetensors=safetensors, trust_remote_code=False
        )
    except Exception as exc:  # noqa: BLE001  (any failure to load is the model's, not ours)
        raise Unrunnable(f"load error: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}") from exc
    model.eval()
    if len(tokenizer) < 2:
        raise Unrunnable(f"tokenizer has {len(tokenizer)} token(s)")
    return Loaded(model, tokenizer)


def generate(loaded: Loaded, prompt: str, settings: Mapping[str, Any], *, max_seconds: float = MAX_GENERATE_SECONDS) -> list[str]:
    """The continuations of ``prompt`` (without the prompt), in one seeded, batched call."""
    import torch

    torch.set_num_threads(THREADS)
    tokenizer, model = loaded.tokenizer, loaded.model
    eos = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
    inputs = tokenizer(prompt, return_tensors="pt")
    if inputs["input_ids"].shape[1] == 0:
        inputs = {"input_ids": torch.tensor([[eos]]), "attention_mask": torch.tensor([[1]])}
    started = time.monotonic()
    try:
        torch.manual_seed(int(settings["seed"]))
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                do_sample=bool(settings["do_sample"]),
                top_k=int(settings["top_k"]),
                top_p=float(settings["top_p"]),
                temperature=float(settings["temperature"]),
                max_new_tokens=int(settings["max_new_tokens"]),
                num_return_sequences=int(settings["num_return_sequences"]),
                pad_token_id=eos,
                max_time=max_seconds,
            )
    except Exception as exc:  # noqa: BLE001
        raise Unrunnable(f"generation error: {type(exc).__name__}: {str(exc)[:200]}") from exc
    if time.monotonic() - started >= max_seconds:
        raise Unrunnable(f"generation timed out after {max_seconds:g} s")
    new = output[:, inputs["input_ids"].shape[1] :]
    return tokenizer.batch_decode(new, skip_special_tokens=True)
