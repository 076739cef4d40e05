"""``python -m generator predict`` for real: tiny GPT-2s made here, served by the
test Hub, downloaded by the real huggingface_hub client, run by real transformers.

The server logs every request, so "downloads nothing", "only the inference
files" and "not retried" are checked on the wire.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tests.hubserver import HubServer, git_blob_id, hub  # noqa: F401  (the fixture)
from tests.tinymodel import model_files

from generator.cli import report_predict
from generator.corpus import generate
from generator.fetch import fetch
from generator.normalise import normalise_paths
from generator.predict import samples as fmt
from generator.predict.run import predict, select, shard_of, snapshot_models
from tests.fetch_helpers import FAST

ROOT = Path(__file__).resolve().parent.parent
#: Files a repo holds that inference never needs (each must never be requested).
NEVER = {"flax_model.msgpack": b"flax" * 100, "tf_model.h5": b"tf" * 100, "training_args.bin": b"args" * 10}


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch, tmp_path):
    import tempfile

    import torch

    # Downloads go to the system temp folder; give each test its own, to see them deleted.
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    torch.set_num_threads(1)
    monkeypatch.setenv("DISABLE_SAFETENSORS_CONVERSION", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01: two runs on either side of midnight agree


@pytest.fixture(scope="module")
def weights() -> dict[str, dict[str, bytes]]:
    """Three tiny models: two safetensors (different seeds), one PyTorch pickle."""
    return {
        "a": model_files(seed=0),
        "b": model_files(seed=1),
        "bin": model_files(seed=2, weights="pytorch_model.bin"),
    }


def serve(hub: HubServer, n: int, weights: dict[str, dict[str, bytes]]) -> list[str]:
    """``n`` models on the test Hub, each a tiny GPT-2 plus files inference must not fetch."""
    specs = generate(n, seed=21)
    hub.load(specs)
    names = []
    for i, spec in enumerate(specs):
        files: dict[str, bytes | None] = dict(weights["bin" if i % 3 == 2 else "a"]) | NEVER
        if i % 3 != 2:
            files["pytorch_model.bin"] = None
        hub.commit(f"huggingtweets/{spec.name}", files)
        names.append(spec.name)
    return names


def refresh(cards: Path) -> None:
    assert fetch(cards_dir=cards, author="huggingtweets", workers=2, policy=FAST).code == 0


def run(cards: Path, hub: HubServer, **kw: Any) -> int:
    """One run, reported as the command line reports it (the summary on stdout); its exit code."""
    return report_predict(lambda: predict(cards_dir=cards, endpoint=hub.url, **kw))


@pytest.fixture(autouse=True)
def _model_lines(caplog):
    """Keep each model's line (an INFO record of generator.predict) for the tests to read."""
    caplog.set_level(logging.INFO, logger="generator.predict")


def record(cards: Path, name: str) -> dict[str, Any]:
    return json.loads((cards / name / "samples.json").read_text(encoding="utf-8"))


def state(cards: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(cards.glob("*/samples.json"))}


def content_id(name: str, data: bytes) -> str:
    return hashlib.sha256(data).hexdigest() if name.endswith((".bin", ".safetensors")) else git_blob_id(data)


@pytest.fixture
def served(hub, tmp_path, weights):
    names = serve(hub, 4, weights)
    cards = tmp_path / "cards"
    refresh(cards)
    hub.clear_log()
    return hub, cards, names


def test_every_bot_gets_samples_from_only_its_inference_files_and_a_rerun_asks_nothing(served, capsys):
    hub, cards, names = served
    assert run(cards, hub) == 0
    out = capsys.readouterr().out
    assert "predict: 4 models: 4 generated, 0 kept, 0 current, 0 unrunnable, 0 failed, 0 skipped, 0 left" in out
    fetched = {r.path.rsplit("/", 1)[1] for r in hub.requests() if r.method == "GET" and "/resolve" in r.path or "/lfs-cdn/" in r.path}
    assert fetched and not fetched & set(NEVER) and "README.md" not in fetched
    for i, name in enumerate(names):
        rec = record(cards, name)
        repo = hub.repos[f"huggingtweets/{name}"]
        expected_weights = "pytorch_model.bin" if i % 3 == 2 else "model.safetensors"
        assert rec["schema"] == 1 and rec["model"] == f"huggingtweets/{name}" and rec["error"] is None
        assert rec["revision"] == rec["checked_revision"] == repo.meta["sha"]
        assert expected_weights in rec["files"] and not set(rec["files"]) & set(NEVER)
        # The recorded ids are the content hashes of the bytes served (sha256 for LFS, git blob ids otherwise).
        assert rec["files"] == {k: content_id(k, repo.files[k]) for k in rec["files"]}
        assert rec["key"] == fmt.cache_key(files=rec["files"], prompt="My dream is")
        assert rec["prompt"] == "My dream is" and rec["settings"] == fmt.SETTINGS
        assert rec["engine"]["torch"].startswith("2.13.0") and rec["engine"]["transformers"] == "5.24.0"
        assert rec["generated"] == "2025-12-01"
        assert len(rec["samples"]) == 5 and all(isinstance(t, str) for t in rec["samples"])
        assert len(set(rec["samples"])) > 1, "sampling, not five copies of one greedy text"
    # The same weights and prompt under the same seed say the same thing.
    assert record(cards, names[0])["samples"] == record(cards, names[1])["samples"]
    assert list((cards.parent / "tmp").iterdir()) == [], "downloads deleted"

    # The samples travel in the Bot record (and so to bots.json and the pages).
    bots = {b.name: b for b in normalise_paths([cards])}
    assert bots[names[0]].samples.texts == tuple(fmt.clean_sample(t) for t in record(cards, names[0])["samples"])
    assert bots[names[0]].to_dict()["samples"]["texts"] == list(bots[names[0]].samples.texts)

    before = state(cards)
    hub.clear_log()
    assert run(cards, hub) == 0
    assert hub.log == [], "current samples: not one request"
    assert state(cards) == before
    assert "0 generated, 0 kept, 4 current" in capsys.readouterr().out


def test_readme_change_keeps_the_samples_a_weights_change_replaces_them(served, weights, capsys):
    hub, cards, names = served
    assert run(cards, hub) == 0
    before = {n: record(cards, n) for n in names}
    target, retrained = f"huggingtweets/{names[0]}", f"huggingtweets/{names[1]}"
    hub.update(target, hub.repos[target].files["README.md"] + b"\nA README edit.\n")
    hub.commit(retrained, {"model.safetensors": weights["b"]["model.safetensors"]})
    refresh(cards)
    hub.clear_log()
    assert run(cards, hub) == 0
    assert "1 generated, 1 kept, 2 current" in capsys.readouterr().out
    kept = record(cards, names[0])
    assert kept["checked_revision"] == hub.repos[target].meta["sha"] != kept["revision"] == before[names[0]]["revision"]
    assert {k: v for k, v in kept.items() if k != "checked_revision"} == {
        k: v for k, v in before[names[0]].items() if k != "checked_revision"
    }
    new = record(cards, names[1])
    assert new["key"] != before[names[1]]["key"] and new["samples"] != before[names[1]]["samples"]
    assert new["revision"] == hub.repos[retrained].meta["sha"]
    downloaded = {r.path for r in hub.requests(method="GET") if "/lfs-cdn/" in r.path or "resolve-cache" in r.path}
    assert downloaded and all(names[1] in p for p in downloaded), "only the retrained model is downloaded"
    assert len(hub.requests("api")) == 2, "one paths-info each for the two changed revisions"


def test_a_model_that_cannot_run_is_recorded_and_not_retried_until_its_files_change(served, weights, capsys, caplog):
    hub, cards, names = served
    missing, hostile, broken = (f"huggingtweets/{n}" for n in names[:3])  # names[2] has a pytorch_model.bin
    hub.commit(missing, {"model.safetensors": None, "pytorch_model.bin": None})
    hub.add_fault("404", rf"^/{broken}/resolve/[0-9a-f]+/pytorch_model\.bin$", times=-1)
    config = json.loads(hub.repos[hostile].files["config.json"])
    hub.commit(hostile, {"config.json": json.dumps(config | {"n_layer": 10_000}).encode()})
    refresh(cards)
    hub.clear_log()
    assert run(cards, hub) == 0, "a model that cannot run is not a failure of the run"
    out = capsys.readouterr().out
    assert "1 generated, 0 kept, 0 current, 3 unrunnable, 0 failed" in out
    lines = caplog.text  # each model's line is logged as it happens
    assert f"{names[0]}: unrunnable: no weights" in lines
    assert f"{names[2]}: unrunnable: pytorch_model.bin listed" in lines and "(404)" in lines
    assert f"{names[1]}: unrunnable: too large or malformed: config n_layer is 10000" in lines
    for name in names[:3]:
        rec = record(cards, name)
        assert rec["samples"] == [] and rec["error"] and rec["key"]
    assert normalise_paths([cards / names[0]])[0].samples is None

    hub.clear_log()
    assert run(cards, hub) == 0
    assert hub.log == [], "recorded failures are not retried while the files stay the same"
    assert "0 generated, 0 kept, 4 current" in capsys.readouterr().out

    hub.commit(missing, {"model.safetensors": weights["a"]["model.safetensors"]})
    refresh(cards)
    assert run(cards, hub, only=[names[0]]) == 0
    assert "1 generated" in capsys.readouterr().out
    assert len(record(cards, names[0])["samples"]) == 5


def test_a_transient_failure_is_not_recorded_and_fails_the_run(served, capsys, caplog):
    hub, cards, names = served
    hub.add_fault("500", rf"^/api/models/huggingtweets/{names[0]}/paths-info/", times=-1)
    assert run(cards, hub) == 1
    out = capsys.readouterr().out
    assert "3 generated" in out and "1 failed" in out and f"{names[0]}: failed: asking the Hub" in caplog.text
    assert not (cards / names[0] / "samples.json").exists()
    hub.faults.clear()
    assert run(cards, hub) == 0
    assert "1 generated, 0 kept, 3 current" in capsys.readouterr().out


def test_limit_and_minutes_stop_cleanly_and_the_next_run_resumes(served, capsys):
    hub, cards, names = served
    assert run(cards, hub, minutes=0) == 0
    out = capsys.readouterr().out
    assert "0 generated" in out and "4 left" in out and "stopped at the --minutes budget" in out
    assert state(cards) == {} and not hub.requests(method="GET")

    assert run(cards, hub, limit=1) == 0
    out = capsys.readouterr().out
    assert "1 generated" in out and "3 left" in out and "stopped at --limit 1" in out
    assert len(state(cards)) == 1
    # No download beyond the budget: exactly one model's weights were fetched.
    assert len({r.path for r in hub.requests(method="GET") if "/lfs-cdn/" in r.path}) == 1

    assert run(cards, hub, limit=2) == 0
    assert "2 generated, 0 kept, 1 current" in capsys.readouterr().out
    assert run(cards, hub) == 0
    assert "1 generated, 0 kept, 3 current" in capsys.readouterr().out
    assert sorted(state(cards)) == sorted(names)


def test_shards_cover_every_model_exactly_once(hub, tmp_path, weights, capsys):
    names = serve(hub, 6, weights)
    cards = tmp_path / "cards"
    refresh(cards)
    models = snapshot_models(cards)
    for total in (1, 2, 3, 7):
        parts = [{m.name for m in select(models, shard=(i, total))} for i in range(1, total + 1)]
        assert sorted(n for part in parts for n in part) == sorted(names)
    # Three shard runs, each on its own checkout: each writes only its own models, together all.
    seen: dict[str, bytes] = {}
    for i in (1, 2, 3):
        copy = tmp_path / f"shard{i}"
        shutil.copytree(cards, copy)
        assert run(copy, hub, shard=(i, 3)) == 0
        mine = state(copy)
        assert set(mine) == {n for n in names if shard_of(n, 3) == i}
        assert not set(mine) & set(seen)
        seen |= mine
    assert sorted(seen) == sorted(names)


def _cli(cards: Path, hub: HubServer, *args: str, **kw: Any) -> subprocess.Popen[str]:
    env = os.environ | {"HF_ENDPOINT": hub.url, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "predict", "--cards", str(cards), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


@pytest.mark.slow
def test_two_processes_write_byte_identical_samples(served, tmp_path):
    hub, cards, names = served
    other = tmp_path / "other"
    shutil.copytree(cards, other)
    first, second = _cli(cards, hub), _cli(other, hub)
    for proc in (first, second):
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out
        assert "4 generated" in out
    assert state(cards) == state(other) and len(state(cards)) == 4


@pytest.mark.slow
def test_sigkill_mid_run_leaves_whole_files_and_the_next_run_finishes(served, tmp_path):
    hub, cards, names = served
    hub.delay = 0.3  # every file response: the run takes a few seconds
    proc = _cli(cards, hub)
    deadline = time.monotonic() + 120
    while not state(cards) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    written = state(cards)
    assert 1 <= len(written) < 4, "killed part-way"
    for data in written.values():
        assert json.loads(data)["samples"], "a whole file"
    hub.delay = 0
    assert run(cards, hub) == 0
    assert sorted(state(cards)) == sorted(names)
    assert not list(cards.glob("*/.*.tmp")), "no temporary left behind"


def test_bad_arguments_are_refused_with_one_line(served, capsys, monkeypatch):
    hub, cards, names = served
    assert run(cards, hub, only=["nobody_here"]) == 2
    assert "--only: not in the snapshot: nobody_here" in capsys.readouterr().err
    from generator.cli import main

    assert main(["predict", "--cards", str(cards), "--shard", "3/2"]) == 2
    assert "expected I/N with 1 <= I <= N" in capsys.readouterr().err
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert run(cards, hub) == 2
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err


# --- untrusted text ---------------------------------------------------------------


def test_generated_text_is_cleaned_and_capped():
    hostile = "ok\x00\x1b[2J\u202egnp.exe\u2066 fine\U0001f600\u200d\n\n\n\nend" + "x" * 1000
    cleaned = fmt.clean_sample(hostile)
    assert "\x00" not in cleaned and "\x1b" not in cleaned and "\u202e" not in cleaned and "\u2066" not in cleaned
    assert "\U0001f600\u200d" in cleaned and "\n\n\n" not in cleaned
    assert len(cleaned) <= fmt.MAX_SAMPLE_CHARS


def test_a_hand_edited_samples_file_is_read_back_cleaned_or_refused(tmp_path):
    folder = tmp_path / "dril"
    folder.mkdir()
    path = folder / "samples.json"
    base = {"schema": 1, "prompt": "My dream is", "samples": ["<script>alert(1)</script>\x07", "y" * 5000] + ["z"] * 50}
    path.write_text(json.dumps(base))
    samples, problems = fmt.read_samples(folder)
    assert problems == [] and samples is not None
    assert samples.texts[0] == "<script>alert(1)</script>", "escaping is the renderer's job; control characters go here"
    assert len(samples.texts) == fmt.MAX_SAMPLES and len(samples.texts[1]) <= fmt.MAX_SAMPLE_CHARS
    for bad, problem in [
        (b"{not json", "not valid JSON"),
        (json.dumps(base | {"schema": 99}).encode(), "not a schema-1"),
        (json.dumps(base | {"samples": "one"}).encode(), "needs 'prompt'"),
        (b" " * (fmt.MAX_FILE_BYTES + 1), "over the"),
        (None, "symbolic link"),
    ]:
        path.unlink(missing_ok=True)
        if bad is None:
            (tmp_path / "elsewhere.json").write_text(json.dumps(base))
            path.symlink_to(tmp_path / "elsewhere.json")
        else:
            path.write_bytes(bad)
        samples, problems = fmt.read_samples(folder)
        assert samples is None and len(problems) == 1 and problem in problems[0], problems
