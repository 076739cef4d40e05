"""Predict cost per model on a full-size GPT-2 (124M parameters, randomly initialised).

Makes a GPT-2 small here (12 layers, width 768, 50,257 tokens: the size of every
huggingtweets model, ~500 MB of weights), serves ``--models`` copies of it from
``tests/hubserver.py`` on 127.0.0.1 (half as ``model.safetensors``, half as
``pytorch_model.bin``, the two forms huggingtweets repos hold), and runs the
real stage over them: paths-info, download with the real client, load with
transformers, 5 samples of 40 new tokens in one batched call on one thread. It
prints the seconds of each step per model, then the expected wall time of a
5,000-model backfill at N shards, for the local download rate and for a
runner's network rate (``--mbps``), since the loopback here is not the Hub's CDN.

The tokenizer is a small byte-level BPE padded with added tokens to the full
50,257 (no GPT-2 vocabulary is on this machine); it changes nothing that costs.

    .venv/bin/python bench/bench_predict.py [--models 4] [--mbps 60] [--setup 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DISABLE_SAFETENSORS_CONVERSION", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from generator.corpus import generate  # noqa: E402
from generator.fetch import Policy, fetch  # noqa: E402
from tests.hubserver import HubServer  # noqa: E402

VOCAB = 50257
BACKFILL = 5000


def gpt2_small_files(*, pickle: bool) -> dict[str, bytes]:
    """The files of a randomly initialised GPT-2 small, by name."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, bos_token_id=0, eos_token_id=0))
    params = sum(p.numel() for p in model.parameters())
    with tempfile.TemporaryDirectory() as tmp:
        with contextlib.redirect_stderr(io.StringIO()):
            model.save_pretrained(tmp, safe_serialization=not pickle)
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file()}
    if pickle and "pytorch_model.bin" not in files:
        buf = io.BytesIO()
        torch.save(model.state_dict(), buf)
        files = {k: v for k, v in files.items() if not k.endswith(".safetensors")} | {"pytorch_model.bin": buf.getvalue()}
    files |= padded_tokenizer()
    print(f"model: {params / 1e6:.1f}M parameters, weights {max(len(v) for v in files.values()) / 1e6:.0f} MB"
          f" ({'pytorch_model.bin' if pickle else 'model.safetensors'})")  # fmt: skip
    return files


def padded_tokenizer() -> dict[str, bytes]:
    """A small BPE plus added tokens up to the model's 50,257."""
    from transformers import AutoTokenizer

    from tests.tinymodel import tokenizer_files

    with tempfile.TemporaryDirectory() as tmp:
        for name, data in tokenizer_files().items():
            (Path(tmp) / name).write_bytes(data)
        tok = AutoTokenizer.from_pretrained(tmp)
        tok.add_tokens([f"w{i}" for i in range(VOCAB - len(tok))])
        out = Path(tmp) / "out"
        tok.save_pretrained(out)
        return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=4, help="models to run (default 4: 2 safetensors, 2 pickles)")
    parser.add_argument("--mbps", type=float, default=60.0, help="a runner's download rate, MB/s (default 60)")
    parser.add_argument("--setup", type=float, default=3.0, help="minutes per job to install torch etc. (default 3)")
    args = parser.parse_args()

    import torch

    from generator.predict import samples as fmt
    from generator.predict.run import Stage, run_models, snapshot_models

    torch.set_num_threads(1)
    forms = {"safetensors": gpt2_small_files(pickle=False), "bin": gpt2_small_files(pickle=True)}
    specs = generate(args.models, seed=9)
    with HubServer() as hub, tempfile.TemporaryDirectory(prefix="bench-predict-") as tmp:
        hub.load(specs)
        kinds = []
        for i, spec in enumerate(specs):
            kind = "safetensors" if i % 2 == 0 else "bin"
            other = "pytorch_model.bin" if kind == "safetensors" else "model.safetensors"
            hub.commit(f"huggingtweets/{spec.name}", dict(forms[kind]) | {other: None})
            kinds.append(kind)
        os.environ["HF_ENDPOINT"] = hub.url
        cards = Path(tmp) / "cards"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            fetch(cards_dir=cards, author="huggingtweets", workers=2, policy=Policy(api_budget=10**9, file_budget=10**9))
        work = Path(tmp) / "work"
        work.mkdir()
        stage = Stage(endpoint=hub.url, token=None, work_dir=work, settings=dict(fmt.SETTINGS))
        models = snapshot_models(cards)
        rows: list[tuple[str, str, dict[str, float]]] = []

        def report(model, outcome, prepared) -> None:  # noqa: ANN001
            rows.append((model.name, outcome, dict(prepared.seconds)))

        started = time.perf_counter()
        summary = run_models(stage, models, limit=None, deadline=None, report=report)
        wall = time.perf_counter() - started
        size = {k: max(len(v) for n, v in f.items() if n.endswith((".bin", ".safetensors"))) for k, f in forms.items()}

    by_name = {s.name: k for s, k in zip(specs, kinds)}
    print(f"{len(rows)} models, one thread, server and client on 127.0.0.1 (the download overlaps the previous generation)")
    print("seconds of wall time, and (cpu) of the generating thread's CPU time: what an idle core takes")
    print(f"{'model':<24} {'weights':<12} {'outcome':<10} {'download':>9} {'load':>6} {'(cpu)':>6} {'generate':>9} {'(cpu)':>6}")
    for name, outcome, sec in rows:
        print(f"{name[:24]:<24} {by_name[name]:<12} {outcome:<10} {sec.get('download', 0):>9.1f}"
              f" {sec.get('load', 0):>6.1f} {sec.get('load_cpu', 0):>6.1f}"
              f" {sec.get('generate', 0):>9.1f} {sec.get('generate_cpu', 0):>6.1f}")  # fmt: skip
    done = [s for _, o, s in rows if o == "generated"]
    if not done:
        print("no model generated: nothing to estimate")
        return
    mean = {
        k: sum(s.get(k, 0.0) for s in done) / len(done) for k in ("download", "load", "generate", "load_cpu", "generate_cpu")
    }
    print(f"mean per model: download {mean['download']:.1f} s, load {mean['load']:.1f} s, generate {mean['generate']:.1f} s;"
          f" wall {wall:.1f} s for {len(rows)} ({wall / len(rows):.1f} s a model with the overlap)")  # fmt: skip
    weights_mb = sum(size.values()) / len(size) / 1e6
    net = weights_mb / args.mbps
    print(f"CPU per model (one thread): load {mean['load_cpu']:.1f} s, generate {mean['generate_cpu']:.1f} s")
    # The download of the next model overlaps this one's load + generate; on a
    # runner's own core those take their CPU time, not this busy machine's wall time.
    per_local = max(mean["download"], mean["load"] + mean["generate"])
    per_net = max(net, mean["load_cpu"] + mean["generate_cpu"])
    print(f"\n{BACKFILL:,} models ({BACKFILL * weights_mb / 1e6:.1f} TB of weights); at {args.mbps:g} MB/s a model downloads"
          f" in {net:.1f} s; each job also spends ~{args.setup:g} min installing")  # fmt: skip
    print(f"{'shards':>6} {'models/shard':>13} {'as measured':>12} {f'idle core, {args.mbps:g} MB/s':>22}")
    for shards in (1, 10, 20, 50, 100, 256):
        each = -(-BACKFILL // shards)
        print(f"{shards:>6} {each:>13} {fmt_h(each * per_local / 60 + args.setup):>12} {fmt_h(each * per_net / 60 + args.setup):>22}")
    print(f"summary: {summary.head(wall)}")


def fmt_h(minutes: float) -> str:
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


if __name__ == "__main__":
    main()
