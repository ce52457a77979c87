"""SWE-bench Lite: the shipped instances, prompts with localization from a repository clone, patch
extraction and validation, grading from test logs in the harness's own format, verdict caching,
and attempts imported from another agent (250 per instance)."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import REPO
from monkeys.attempts import import_attempts, read_attempts
from monkeys.coverage import count_correct, coverage_curve
from monkeys.errors import VerifierUnavailable
from monkeys.problems import download
from monkeys.tasks import swebench
from monkeys.verify import verify

ROWS = {json.loads(line)["instance_id"]: json.loads(line) for line in (REPO / "data/swebench/lite_test.jsonl").open()}
OPTIONS = swebench.VERIFIER_DEFAULTS
VERIFIER = {"kind": "swebench", "version": swebench.VERIFIER_VERSION, "timeout_s": 5, **OPTIONS}
DJANGO = swebench.parse_gold(swebench.normalize(ROWS["django__django-15202"])["gold"])
docker_missing = swebench.unavailable(OPTIONS)


def test_the_shipped_test_split():
    assert len(ROWS) == 300
    fields = {"repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement", "hints_text",
              "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS", "environment_setup_commit"}
    assert all(set(row) == fields for row in ROWS.values())
    assert sum(row["repo"] == "django/django" for row in ROWS.values()) == 114
    assert {row["repo"] for row in ROWS.values()} <= set(swebench.LOG_PARSERS)


def test_gold_patches_are_well_formed():
    assert [i for i, row in ROWS.items() if swebench.patch_problem(row["patch"], row)] == []


@pytest.mark.parametrize(
    "completion, patch",
    [
        ("```diff\ndiff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n```\nDone", "diff --git a/x.py b/x.py"),
        ("Here:\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n", "--- a/x.py"),
        ("", None),
    ],
)
def test_patch_extraction(completion, patch):
    extracted = swebench.extract_answer(completion)
    assert (extracted[0].split("\n")[0] if extracted else None) == patch


def test_bad_patches_are_verdicts_not_crashes():
    assert swebench.patch_problem("I would change the validator.", DJANGO) == "malformed patch: no file changes"
    truncated = "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-a\n+b\n"
    assert swebench.patch_problem(truncated, DJANGO).startswith("malformed patch: Hunk is shorter")
    samples = pd.DataFrame({"problem_id": ["p"] * 2, "sample_idx": [0, 1], "text": ["", "no diff here"]})
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [json.dumps(DJANGO)]})
    verdicts = verify(samples, problems, VERIFIER)
    assert verdicts["reason"].tolist() == ["empty patch", "malformed patch: no file changes"]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A small git repository standing in for a clone of django/django at a 'base commit'."""
    root = tmp_path_factory.mktemp("repos") / "django__django"
    (root / "django/core").mkdir(parents=True)
    (root / "django/core/validators.py").write_text("def url(value):\n    return urlsplit(value)\n")
    (root / "django/forms/fields.py").parent.mkdir(parents=True)
    (root / "django/forms/fields.py").write_text("class URLField:\n    pass\n")
    (root / "docs").mkdir()
    (root / "docs/unrelated.py").write_text("x = 1\n")
    git = lambda *a: subprocess.run(["git", "-C", str(root), *a], check=True, capture_output=True, text=True)  # noqa: E731
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return root, git("rev-parse", "HEAD").stdout.strip()


def test_localization_and_apply_check_use_the_clone(clone):
    root, commit = clone
    issue = "URLField throws ValueError in django/core/validators.py instead of ValidationError"
    files = swebench.localize(root, commit, issue, 2)
    assert [path for path, _ in files] == ["django/core/validators.py", "django/forms/fields.py"]
    context = swebench.prompt_context(issue, {"repo": "django/django", "base_commit": commit}, {"repositories": str(root.parent)})
    prompt = swebench.build_prompt(issue, [], context)
    assert "[start of django/core/validators.py]\ndef url(value):" in prompt and prompt.endswith("```diff\n")
    instance = {**DJANGO, "base_commit": commit}
    good = "--- a/django/core/validators.py\n+++ b/django/core/validators.py\n@@ -1,2 +1,2 @@\n def url(value):\n-    return urlsplit(value)\n+    return urlsplit(value or '')\n"
    stale = good.replace("-    return urlsplit(value)", "-    return split(value)")
    assert swebench.patch_problem(good, instance, str(root.parent)) is None
    assert swebench.patch_problem(stale, instance, str(root.parent)).startswith("patch does not apply")


def harness_log(lines, exit_code=0, marker=None):
    """A test log as the harness's eval script writes it."""
    body = [">>>>> Start Test Output", *lines, ">>>>> End Test Output", f">>>>> Test Exit Code: {exit_code}"]
    return "\n".join(["+ git apply -v /tmp/patch.diff", *([marker] if marker else body)]) + "\n"


F2P = json.loads(DJANGO["FAIL_TO_PASS"])
P2P = json.loads(DJANGO["PASS_TO_PASS"])


@pytest.mark.parametrize(
    "log, verdict",
    [
        (harness_log([f"{t} ... ok" for t in F2P + P2P]), "resolved"),
        (harness_log([f"{F2P[0]} ... FAIL", *[f"{t} ... ok" for t in F2P[1:] + P2P]], exit_code=1), "unresolved"),
        (harness_log([f"{t} ... ok" for t in F2P] + [f"{P2P[0]} ... FAIL"], exit_code=1), "unresolved"),
        (harness_log([], marker=">>>>> Patch Apply Failed"), "patch does not apply"),
        (harness_log([], marker=">>>>> Tests Timed Out"), "tests timed out"),
    ],
)
def test_grading_recorded_logs_with_the_harness(tmp_path, log, verdict):
    path = tmp_path / "test_output.txt"
    path.write_text(log)
    assert swebench.grade_log(DJANGO, ROWS["django__django-15202"]["patch"], path) == verdict


@pytest.mark.skipif(not docker_missing, reason="docker is available here")
def test_without_docker_verification_stops_with_the_reason():
    samples = pd.DataFrame({"problem_id": ["p"], "sample_idx": [0], "text": [ROWS["django__django-15202"]["patch"]]})
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [json.dumps(DJANGO)]})
    with pytest.raises(VerifierUnavailable, match="docker"):
        verify(samples, problems, VERIFIER)


def attempts_file(tmp_path, problems, per_instance, patch_of):
    path = tmp_path / "predictions.jsonl"
    with path.open("w") as f:
        for metadata in problems["metadata"]:
            instance = json.loads(metadata)["instance_id"]
            for a in range(per_instance):
                f.write(json.dumps({"instance_id": instance, "model_patch": patch_of(instance, a), "attempt": a}) + "\n")
    return path


def test_250_imported_attempts_per_instance_give_coverage_up_to_250(tmp_path, monkeypatch):
    """Another agent's predictions: 250 attempts at each of 3 instances; an instance's attempt
    resolves it when it is that instance's gold patch (graded from a recorded harness log)."""
    problems = download({"kind": "swebench", "source": {"local": str(REPO / "data/swebench/lite_test.jsonl")},
                         "subset": {"size": 3, "seed": 0}})
    ids = [json.loads(m)["instance_id"] for m in problems["metadata"]]
    solved_every = dict(zip(ids, [10, 100, 0]))  # instance i is solved by attempts a % n == 0 (never for 0)

    def patch_of(instance, a):
        n = solved_every[instance]
        return ROWS[instance]["patch"] if n and a % n == 0 else f"--- a/f.py\n+++ b/f.py\n@@ -1 +1 @@\n-x\n+y{a % 7}\n"

    path = attempts_file(tmp_path, problems, 250, patch_of)
    graded = []

    def judge(patch, instance, options):  # the container step, replaced by a log the harness grades
        graded.append((instance["instance_id"], patch))
        tests = json.loads(instance["FAIL_TO_PASS"]) + json.loads(instance["PASS_TO_PASS"])
        fixed = patch == ROWS[instance["instance_id"]]["patch"]
        log = tmp_path / "test_output.txt"
        log.write_text(harness_log([f"{t} ... {'ok' if fixed else 'FAIL'}" for t in tests], exit_code=0 if fixed else 1))
        reason = swebench.grade_log(instance, patch, log)
        return reason == "resolved", reason

    monkeypatch.setattr(swebench, "judge", judge)
    chunks = [import_attempts(str(path), problems, c, 50) for c in range(5)]
    assert all(len(c) == 150 for c in chunks)
    verdicts = pd.concat([verify(c, problems, VERIFIER, memo=str(tmp_path / "memo")) for c in chunks])
    # identical patches of an instance are graded once: 1 gold + 7 distinct wrong patches each
    assert len(graded) == len(set(graded)) <= 3 * 8
    counts = count_correct(verdicts)
    assert counts["num_samples"].tolist() == [250] * 3
    assert sorted(counts["num_correct"].tolist()) == [0, 3, 25]
    curve = coverage_curve(counts, n_bootstrap=0)
    assert curve["k"].tolist() == list(range(1, 251))
    assert curve["coverage"].iloc[-1] == pytest.approx(2 / 3) and np.all(np.diff(curve["coverage"]) >= -1e-12)


def test_attempt_files_are_checked(tmp_path):
    problems = download({"kind": "swebench", "source": {"local": str(REPO / "data/swebench/lite_test.jsonl")},
                         "subset": {"size": 2, "seed": 0}})
    path = attempts_file(tmp_path, problems, 3, lambda i, a: "")
    assert len(read_attempts(str(path), problems)) == 6
    with pytest.raises(ValueError, match="needs attempts 3..5"):
        import_attempts(str(path), problems, 1, 3)
    with path.open("a") as f:
        f.write(json.dumps({"instance_id": json.loads(problems["metadata"][0])["instance_id"], "model_patch": "", "attempt": 0}) + "\n")
    with pytest.raises(ValueError, match="attempt index given twice"):
        read_attempts(str(path), problems)
