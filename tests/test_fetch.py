"""``python -m generator fetch`` against a Hub-compatible server on 127.0.0.1.

The real huggingface_hub client talks to :mod:`hubserver` through
``HF_ENDPOINT``; the server counts every request, so "downloads nothing" and
"exactly those" are checked on the wire, and its faults are switched on per test.
"""

from __future__ import annotations

import io
import json
import logging
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from tests.fetch_helpers import (  # noqa: F401  (small: the fixture)
    FAST,
    LISTING,
    fetch_process,
    readme_path,
    run_fetch,
    served_state,
    small,
    snapshot_state,
)
from tests.hubserver import HubServer, hub  # noqa: F401  (the fixture)

from generator import config
from generator.corpus import CardSpec, generate, write_snapshot
from generator.errors import UsageError
from generator.fetch import EXPAND, Policy, fetch

#: Seconds the test Hub waits before each file in the kill and Ctrl-C tests: slow
#: enough that the signal lands part-way even when this process (which also
#: runs the Hub) is starved on a loaded machine.
SLOW_FILE_SECONDS = 0.05


def run(cards: Path, *, workers: int = 4, policy: Policy = FAST) -> int:
    return run_fetch(cards, policy=policy, workers=workers)


def test_cold_fetch_is_exact_warm_fetch_downloads_nothing_and_changes_are_exact(hub, tmp_path, capsys):
    specs = generate(1000, seed=11)
    hub.load(specs)
    readmeless = f"huggingtweets/{specs[5].name}"
    hub.update(readmeless, None)
    cards = tmp_path / "cards"

    assert run(cards) == 0
    assert snapshot_state(cards) == served_state(hub)
    # The bytes are the corpus's own, not just the server's copy of them.
    spec: CardSpec = specs[500]
    assert (cards / spec.name / "README.md").read_bytes() == spec.to_bytes()
    assert not (cards / specs[5].name / "README.md").exists()
    listing = hub.requests("api")
    assert len(listing) == 10  # 1,000 models, 100 a page, following Link: rel="next"
    assert all(r.path == "/api/models" and r.query["expand"] == EXPAND for r in listing)
    assert sorted(hub.downloaded()) == sorted(f"huggingtweets/{s.name}" for s in specs if s is not specs[5])
    assert len(hub.requests("file")) == 3 * 999  # HEAD, HEAD on the pinned redirect, GET
    assert not [r for r in hub.log if "authorization" in r.headers]
    assert "1000 listed: 1000 new, 0 changed, 0 unchanged, 0 removed, 0 failed" in capsys.readouterr().out

    hub.clear_log()
    assert run(cards) == 0
    assert hub.requests("file") == [] and len(hub.requests("api")) == 10
    assert "0 new, 0 changed, 1000 unchanged, 0 removed, 0 failed" in capsys.readouterr().out

    changed = [f"huggingtweets/{s.name}" for s in specs[100:110]]
    for repo_id in changed:
        hub.update(repo_id, hub.repos[repo_id].files["README.md"] + b"\nretrained\n")
    deleted = [specs[200].name, specs[300].name, specs[400].name]
    for name in deleted:
        hub.remove(f"huggingtweets/{name}")
    before = snapshot_state(cards)
    hub.clear_log()
    assert run(cards) == 0
    after = snapshot_state(cards)
    assert sorted(hub.downloaded()) == sorted(changed)
    assert after == served_state(hub)
    assert sorted(set(before) - set(after)) == sorted(deleted)
    assert {n for n in after if after[n] != before[n]} == {r.split("/")[1] for r in changed}
    out = capsys.readouterr().out
    assert "0 new, 10 changed, 987 unchanged, 3 removed, 0 failed" in out
    assert "removed: " + ", ".join(sorted(deleted)) in out


@pytest.mark.parametrize(
    ("kind", "where", "method", "times", "retry_after"),
    [
        ("429", "listing", None, 1, 0),
        ("429", "listing", None, 1, None),
        ("500", "listing", None, 1, None),
        ("stall", "listing", None, 1, None),
        ("truncate", "listing", None, 1, None),
        ("reset", "listing", None, 1, None),
        ("429", "pinned", "GET", 2, 0),
        ("500", "pinned", "GET", 2, None),
        ("503", "resolve", "HEAD", 1, 1),
        ("stall", "pinned", "GET", 1, None),
        ("truncate", "pinned", "GET", 1, None),
        ("reset", "pinned", "GET", 1, None),
        ("corrupt", "pinned", "GET", 1, None),
        ("wrong-commit", "pinned", "HEAD", 1, None),
    ],
)
def test_transient_fault_is_survived(small, kind, where, method, times, retry_after, capsys):
    hub, cards, updated = small
    path = LISTING if where == "listing" else readme_path(updated[0], where)
    fault = hub.add_fault(kind, path, method=method, times=times, retry_after=retry_after)
    assert run(cards) == 0
    assert fault.times == 0  # it did hit
    assert snapshot_state(cards) == served_state(hub)
    assert "0 new, 5 changed, 15 unchanged, 0 removed, 0 failed" in capsys.readouterr().out
    if kind == "stall":  # given up after the timeout, long before the server would let go
        hit = [r.at for r in hub.log if re.search(path, r.path) and method in (None, r.method)]
        assert hit[1] - hit[0] < hub.stall_seconds / 2


def test_retry_after_pauses_every_worker(small):
    hub, cards, updated = small
    hub.add_fault("503", readme_path(updated[0], "pinned"), method="GET", times=1, retry_after=1)
    assert run(cards, workers=2) == 0
    files = hub.requests("file")
    refused = next(r.at for r in files if r.method == "GET" and updated[0] in r.path)
    retried = [r.at for r in files if r.method == "GET" and updated[0] in r.path][1]
    assert retried - refused >= 1.0
    # Requests already on their way may land just after the 503; nothing is sent during the pause.
    assert not [r for r in files if refused + 0.1 < r.at < refused + 0.95]
    assert snapshot_state(cards) == served_state(hub)


@pytest.mark.parametrize("fault", ["500", "corrupt", "wrong-commit", "empty-head", "vanish", "oversize"])
def test_persistent_fault_is_reported_and_previous_card_kept(small, fault, capsys):
    hub, cards, updated = small
    target = updated[0]
    before = snapshot_state(cards)
    if fault == "oversize":
        hub.update(target, b"---\n" + b"x" * config.MAX_README_BYTES)
    elif fault == "vanish":
        hub.add_fault("vanish", readme_path(target, "resolve"), times=1)
    else:
        method = "HEAD" if fault in ("wrong-commit", "empty-head") else "GET"
        hub.add_fault(fault, readme_path(target, "pinned"), method=method, times=-1)
    expected = served_state(hub)

    # A refusal is a decision, not a failure: reported, and the run still succeeds
    # (a nightly failing on it for ever would never commit the other cards).
    refused = fault == "oversize"
    assert run(cards) == (0 if refused else 1)
    after = snapshot_state(cards)
    name = target.split("/")[1]
    assert after[name] == before[name]
    assert {n: v for n, v in after.items() if n != name} == {n: v for n, v in expected.items() if n != name}
    out = capsys.readouterr().out
    if refused:
        assert "0 new, 4 changed, 15 unchanged, 0 removed, 0 failed (1 refused)" in out
        assert f"refused: {target}: README is " in out
        assert not [r for r in hub.requests("file", "GET") if name in r.path]  # refused on the HEAD's size
    else:
        assert "0 new, 4 changed, 15 unchanged, 0 removed, 1 failed" in out
        assert f"failed: {target}: " in out


def test_hostile_listing_ids_are_refused(small, tmp_path, capsys):
    hub, cards, updated = small
    hostile = ["huggingtweets/../escaped", "huggingtweets/a/b", "other/model", "huggingtweets/.hidden", "huggingtweets/"]
    hub.extra_listing = [{"id": i, "sha": "a" * 40, "siblings": [{"rfilename": "README.md"}]} for i in hostile]
    assert run(cards) == 0
    assert snapshot_state(cards) == served_state(hub)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cards"]
    assert not [r for r in hub.requests("file") if "escaped" in r.path or "/a/b" in r.path or "other" in r.path]
    out = capsys.readouterr().out
    assert "0 new, 5 changed, 15 unchanged, 0 removed, 0 failed (5 refused)" in out
    assert "refused: 'huggingtweets/../escaped': not huggingtweets/<name> with a plain name" in out


def test_failed_listing_changes_nothing(small, caplog):
    hub, cards, updated = small
    hub.remove(updated[1])  # would be removed by a successful run
    before = snapshot_state(cards)
    hub.add_fault("401", LISTING, times=-1)  # a bad token; a page that fails after retries goes the same way
    assert run(cards) == 1
    assert snapshot_state(cards) == before
    assert hub.requests("file") == []
    assert [r.levelno for r in caplog.records if "cards left as they were" in r.getMessage()] == [logging.ERROR]


def test_empty_listing_does_not_empty_the_snapshot(hub, tmp_path, caplog):
    cards = tmp_path / "cards"
    write_snapshot(cards, generate(3, seed=4), mojibake_share=0)
    before = snapshot_state(cards)
    assert run(cards) == 1
    assert snapshot_state(cards) == before
    assert [r.levelno for r in caplog.records if "refusing to empty" in r.getMessage()] == [logging.ERROR]


def test_offline_mode_fails_clearly_without_a_request(hub, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert run(tmp_path / "cards") == 2
    assert "HF_HUB_OFFLINE" in capsys.readouterr().err
    with pytest.raises(UsageError, match="HF_HUB_OFFLINE"):  # the library raises; the command line says it
        fetch(cards_dir=tmp_path / "cards", author="huggingtweets", workers=1, policy=FAST)
    assert hub.log == []


def test_token_is_sent_and_never_printed(small, monkeypatch, capsys, caplog):
    hub, cards, updated = small
    token = "hf_SeCrEtToKeN0123456789abcdef"
    monkeypatch.setenv("HF_TOKEN", token)
    hub.add_fault("500", readme_path(updated[0], "pinned"), method="GET", times=-1)  # so errors get printed too
    caplog.set_level(logging.INFO, logger="generator.fetch")  # every record, progress too
    assert run(cards) == 1
    assert hub.log and all(r.headers.get("authorization") == f"Bearer {token}" for r in hub.log)
    captured = capsys.readouterr()
    assert "failed: " in captured.out and "failed " in caplog.text
    assert token not in captured.out + captured.err + caplog.text
    assert not [p for p in cards.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]


def test_request_budget_is_never_exceeded(small):
    hub, cards, updated = small
    window = 0.5
    assert run(cards, policy=Policy(backoff=0.01, api_budget=100, file_budget=4, window=window)) == 0
    times = [r.at for r in hub.requests("file")]
    assert len(times) == 15
    # Any 5 consecutive file requests span the window (unthrottled they take ~10 ms); the
    # slack is for the arrival jitter between client and server on a busy machine.
    assert min(b - a for a, b in zip(times, times[4:])) >= window - 0.15


def test_sigkill_part_way_leaves_a_readable_snapshot_and_the_rerun_completes(hub, tmp_path):
    specs = generate(240, seed=3)
    hub.load(specs)
    cards = tmp_path / "cards"
    write_snapshot(cards, specs[:120], mojibake_share=0)
    for spec in specs[:120]:
        repo_id = f"huggingtweets/{spec.name}"
        hub.update(repo_id, hub.repos[repo_id].files["README.md"] + b"\nv2\n")
    hub.delay = SLOW_FILE_SECONDS
    proc = fetch_process(cards, "--workers", "2", capture=False)
    deadline = time.monotonic() + 60
    while len(hub.downloaded()) < 60 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    state = snapshot_state(cards)
    served = served_state(hub)
    assert state != served  # killed part-way
    for name, (readme, meta) in state.items():
        repo = hub.repos[f"huggingtweets/{name}"]
        assert readme in hub.versions(repo.id), name
        assert meta is None or meta["sha"] in repo.revisions, name

    hub.delay = 0.0
    hub.clear_log()
    assert run(cards) == 0
    assert snapshot_state(cards) == served
    assert not list(cards.glob("*/.*.tmp"))
    assert len(hub.downloaded()) < 240  # resumed, not restarted


def test_progress_bar_on_a_terminal_and_log_lines_otherwise(small, monkeypatch, capsys, caplog):
    hub, cards, updated = small
    hub.add_fault("500", readme_path(updated[0], "pinned"), method="GET", times=-1)
    caplog.set_level(logging.INFO, logger="generator.fetch")
    assert run(cards) == 1
    plain = capsys.readouterr()
    assert "fetch: 4/5 READMEs" in caplog.text and f"failed {updated[0]}: HTTP 500" in caplog.text
    # The library logs; only the command line's handler writes records to stderr (the test
    # server may print its own tracebacks there).
    assert "READMEs" not in plain.err and f"failed {updated[0]}" not in plain.err
    failed = [r for r in caplog.records if r.getMessage().startswith("failed ")]
    assert [r.levelno for r in failed] == [logging.WARNING]

    caplog.clear()
    write_snapshot(cards, generate(20, seed=2), mojibake_share=0)  # back to the old cards
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert run(cards) == 1
    tty = capsys.readouterr()
    assert "0/5" in tty.err  # a bar...
    assert not re.search(r"fetch: \d+/5 READMEs", tty.err + caplog.text)  # ...and no progress records
    assert "%|" not in tty.err  # and none of the client's own bars
    assert f"failed {updated[0]}: HTTP 500" in caplog.text  # ...but failures still said at once
    assert "0 new, 4 changed, 15 unchanged, 0 removed, 1 failed" in tty.out


def test_ctrl_c_stops_cleanly_and_the_rerun_completes(hub, tmp_path):
    hub.load(generate(150, seed=5))
    hub.delay = SLOW_FILE_SECONDS
    cards = tmp_path / "cards"
    proc = fetch_process(cards, "--workers", "2", capture=True)
    deadline = time.monotonic() + 60
    while len(hub.downloaded()) < 30 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: rerun to finish" in out
    done = snapshot_state(cards)
    assert 0 < len(done) < 150
    assert all(meta is not None and readme == hub.repos[meta["id"]].files["README.md"] for readme, meta in done.values())

    hub.delay = 0.0
    hub.clear_log()
    assert run(cards) == 0
    assert snapshot_state(cards) == served_state(hub)
    assert len(hub.downloaded()) == 150 - len(done)


def test_avatars_are_cached_small_and_404s_are_not_asked_again(hub, tmp_path, capsys):
    from PIL import Image

    from generator.normalise import normalise_paths
    from generator.thumbnails import avatar_cache_path

    prefix = b"https://pbs.twimg.com/profile_images/"
    specs = generate(12, seed=6)
    hub.load(specs)
    for spec in specs:  # avatars served by the test server instead of Twitter's CDN
        repo_id = f"huggingtweets/{spec.name}"
        hub.update(repo_id, hub.repos[repo_id].files["README.md"].replace(prefix, f"{hub.url}/avatars/".encode()))
    cards = tmp_path / "cards"
    assert run(cards) == 0
    urls = sorted({u.avatar for b in normalise_paths([cards]) for u in b.users if u.avatar})
    served = [u for u in urls if u.startswith(f"{hub.url}/avatars/")]
    assert len(served) >= 6
    for i, url in enumerate(served[1:]):  # the first one is dead, as most old avatars are
        buffer = io.BytesIO()
        Image.new("RGB", (400, 300), (i * 20 % 256, 80, 160)).save(buffer, "JPEG")
        hub.images[url.removeprefix(f"{hub.url}/avatars/")] = buffer.getvalue()
    policy = Policy(**{**FAST.__dict__, "avatar_url": rf"^{hub.url}/avatars/[^?#]+$"})
    capsys.readouterr()

    hub.clear_log()
    assert run_fetch(cards, policy=policy, workers=2, avatars=True) == 0
    avatars = cards / ".avatars"
    for url in served[1:]:
        with Image.open(avatar_cache_path(avatars, url)) as image:
            assert (image.format, image.size) == ("JPEG", (128, 128))
    assert avatar_cache_path(avatars, served[0]) is None
    assert list(json.loads((avatars / "index.json").read_text())["gone"]) == [served[0]]
    assert sorted(r.path for r in hub.requests("other")) == sorted(u.removeprefix(hub.url) for u in served)
    assert f"avatars: {len(urls)} used, {len(served) - 1} cached ({len(served) - 1} new), 1 gone (1 new), 0 failed" in capsys.readouterr().out

    hub.clear_log()
    assert run_fetch(cards, policy=policy, workers=2, avatars=True) == 0
    assert hub.requests("other") == []  # cached ones and the dead one alike

    owner = next(r for r in hub.repos.values() if served[1].encode() in r.files["README.md"])
    hub.remove(owner.id)  # its avatar is no longer used by any card: deleted
    kept = {avatar_cache_path(avatars, u).stem for u in served[2:] if u.encode() not in owner.files["README.md"]}
    assert run_fetch(cards, policy=policy, workers=2, avatars=True) == 0
    assert {p.stem for p in avatars.glob("*.jpg")} == kept
    assert avatar_cache_path(avatars, served[1]) is None
