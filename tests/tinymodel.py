"""Tiny real GPT-2 models for the predict tests: made in milliseconds, run by real transformers.

Two layers, width 64, a byte-level BPE trained on a few sentences with
``tokenizers``; saved with ``save_pretrained`` so the files are the ones a
huggingtweets repo holds (config.json, model.safetensors or pytorch_model.bin,
vocab.json, merges.txt, tokenizer.json, tokenizer_config.json, ...).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("DISABLE_SAFETENSORS_CONVERSION", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

CORPUS = [
    "My dream is to eat a whole chicken in one bite",
    "my dream is a world where every tweet is a poem",
    "I am the president of the internet and this is my dream",
    "just posted a picture of my breakfast, my dream came true",
    "the dream is over, the dream is alive, what is a dream anyway",
]


@lru_cache(maxsize=None)
def tokenizer_files(vocab_size: int = 300) -> dict[str, bytes]:
    """A byte-level BPE tokenizer, saved the way huggingtweets repos hold it:
    vocab.json and merges.txt (the GPT-2 files) beside tokenizer.json and its config."""
    import tempfile

    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS * 4, vocab_size=vocab_size, min_frequency=1, special_tokens=["<|endoftext|>"])
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        bpe.save_model(str(raw))
        # from_pretrained(dir), never GPT2TokenizerFast(vocab_file=...): that one
        # silently yields a one-token vocabulary.
        (raw / "tokenizer_config.json").write_text('{"model_max_length": 128}')
        tok = GPT2TokenizerFast.from_pretrained(str(raw), unk_token="<|endoftext|>", bos_token="<|endoftext|>", eos_token="<|endoftext|>")
        assert len(tok) > 100, len(tok)
        out = Path(tmp) / "out"
        tok.save_pretrained(str(out))
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}
        return files | {name: (raw / name).read_bytes() for name in ("vocab.json", "merges.txt")}


def model_files(
    *, seed: int = 0, weights: str = "model.safetensors", layers: int = 2, width: int = 64, vocab_size: int = 300
) -> dict[str, bytes]:
    """Every file of a tiny GPT-2 repo, by name; ``seed`` decides the weights."""
    import tempfile

    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = tokenizer_files(vocab_size)
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=vocab_size, n_positions=128, n_embd=width, n_layer=layers, n_head=2, bos_token_id=0, eos_token_id=0
    )
    model = GPT2LMHeadModel(config)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp, safe_serialization=weights == "model.safetensors")
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    if weights == "pytorch_model.bin" and "pytorch_model.bin" not in files:
        sd = model.state_dict()
        import io

        buf = io.BytesIO()
        torch.save(sd, buf)
        files = {k: v for k, v in files.items() if k != "model.safetensors"} | {"pytorch_model.bin": buf.getvalue()}
    return files | tok
