"""SWE-bench Lite: the shipped instances, prompts with localization from a repository clone, patch
extraction and validation, grading from test logs in the harness's own format, verdict caching,
attempts imported from another agent (250 per instance), and patch hygiene: patches that change how
the tests run are flagged (coverage with and without them) or rejected before any container runs."""

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from unidiff import PatchSet

import monkeys.tasks.swebench as swebench_module
from conftest import REPO
from monkeys.attempts import import_attempts, read_attempts
from monkeys.coverage import count_correct, coverage_curve
from monkeys.errors import PlanError, VerifierUnavailable
from monkeys.problems import download
from monkeys.tasks import Judgement, task_kind
from monkeys.tasks.base import options_dict, options_from
from monkeys.tasks.swebench import (
    LOG_PARSERS,
    SWEBench,
    SWEBenchOptions,
    SWEBenchPromptOptions,
    changes_tests,
    changes_to_tests,
    localize,
    patch_problem,
)
from monkeys.tasks.swebench.harness import docker_unavailable, grade_log
from monkeys.verdicts import verify

swebench = task_kind("swebench")
ROWS = {json.loads(line)["instance_id"]: json.loads(line) for line in (REPO / "data/swebench/lite_test.jsonl").open()}
OPTIONS = SWEBenchOptions()
VERIFIER = {"kind": "swebench", "version": swebench.verifier_version, **options_dict(OPTIONS), "timeout_s": 5}
DJANGO = swebench.parse_gold(swebench.normalize(ROWS["django__django-15202"])["gold"])
GOLD = ROWS["django__django-15202"]["patch"]
docker_missing = docker_unavailable()


def test_the_shipped_test_split():
    assert len(ROWS) == 300
    fields = {"repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement", "hints_text",
              "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS", "environment_setup_commit"}
    assert all(set(row) == fields for row in ROWS.values())
    assert sum(row["repo"] == "django/django" for row in ROWS.values()) == 114
    assert {row["repo"] for row in ROWS.values()} <= set(LOG_PARSERS)
    assert swebench.kind == "swebench" and isinstance(swebench, SWEBench)


def test_gold_patches_are_well_formed():
    assert [i for i, row in ROWS.items() if patch_problem(row["patch"], row)] == []


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


@pytest.fixture
def no_docker_needed(monkeypatch):
    """Verification whose attempts never reach a container runs without docker."""
    monkeypatch.setattr(SWEBench, "preflight", lambda self, options: None)


def test_bad_patches_are_verdicts_not_crashes(no_docker_needed):
    assert patch_problem("I would change the validator.", DJANGO) == "malformed patch: no file changes"
    truncated = "--- a/x.py\n+++ b/x.py\n@@ -1,3 +1,3 @@\n-a\n+b\n"
    assert patch_problem(truncated, DJANGO).startswith("malformed patch: Hunk is shorter")
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
    (root / "setup.cfg").write_text(SETUP_CFG)
    git = lambda *a: subprocess.run(["git", "-C", str(root), *a], check=True, capture_output=True, text=True)  # noqa: E731
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return root, git("rev-parse", "HEAD").stdout.strip()


def test_localization_and_apply_check_use_the_clone(clone):
    root, commit = clone
    issue = "URLField throws ValueError in django/core/validators.py instead of ValidationError"
    files = localize(root, commit, issue, 2)
    assert [path for path, _ in files] == ["django/core/validators.py", "django/forms/fields.py"]
    prompt_options = options_from(SWEBenchPromptOptions, {"repositories": str(root.parent)}, "test")
    prompt = swebench.build_prompt(issue, {"repo": "django/django", "base_commit": commit}, [], prompt_options)
    assert "[start of django/core/validators.py]\ndef url(value):" in prompt and prompt.endswith("```diff\n")
    assert "[start of" not in swebench.build_prompt(issue, {"repo": "django/django", "base_commit": commit}, [],
                                                    SWEBenchPromptOptions())
    instance = {**DJANGO, "base_commit": commit}
    good = "--- a/django/core/validators.py\n+++ b/django/core/validators.py\n@@ -1,2 +1,2 @@\n def url(value):\n-    return urlsplit(value)\n+    return urlsplit(value or '')\n"
    stale = good.replace("-    return urlsplit(value)", "-    return split(value)")
    assert patch_problem(good, instance, str(root.parent)) is None
    assert patch_problem(stale, instance, str(root.parent)).startswith("patch does not apply")


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
    assert grade_log(DJANGO, GOLD, path) == verdict


@pytest.mark.skipif(not docker_missing, reason="docker is available here")
def test_without_docker_verification_stops_with_the_reason():
    samples = pd.DataFrame({"problem_id": ["p"], "sample_idx": [0], "text": [GOLD]})
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [json.dumps(DJANGO)]})
    with pytest.raises(VerifierUnavailable, match="docker"):
        verify(samples, problems, VERIFIER)


@pytest.fixture
def container(monkeypatch, tmp_path, no_docker_needed):
    """The container step replaced by a recorded log the harness grades: an instance's gold patch
    (alone or with other files) passes its tests, anything else fails them. Returns the calls."""
    calls = []

    def run_in_container(patch, instance, run_id, timeout_s):
        calls.append((instance["instance_id"], patch))
        tests = json.loads(instance["FAIL_TO_PASS"]) + json.loads(instance["PASS_TO_PASS"])
        fixed = ROWS[instance["instance_id"]]["patch"] in patch
        log = tmp_path / f"test_output_{len(calls)}.txt"
        log.write_text(harness_log([f"{t} ... {'ok' if fixed else 'FAIL'}" for t in tests], exit_code=0 if fixed else 1))
        return grade_log(instance, patch, log)

    monkeypatch.setattr(swebench_module, "run_in_container", run_in_container)
    monkeypatch.setattr(swebench_module, "HARNESS_FIELDS", ())  # the shipped rows lack the image fields
    return calls


def attempts_file(tmp_path, problems, per_instance, patch_of):
    path = tmp_path / "predictions.jsonl"
    with path.open("w") as f:
        for metadata in problems["metadata"]:
            instance = json.loads(metadata)["instance_id"]
            for a in range(per_instance):
                f.write(json.dumps({"instance_id": instance, "model_patch": patch_of(instance, a), "attempt": a}) + "\n")
    return path


def test_250_imported_attempts_per_instance_give_coverage_up_to_250(tmp_path, container):
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
    chunks = [import_attempts(str(path), problems, c, 50, swebench.attempt_fields) for c in range(5)]
    assert all(len(c) == 150 for c in chunks)
    verdicts = pd.concat([verify(c, problems, VERIFIER, memo=str(tmp_path / "memo")) for c in chunks])
    # identical patches of an instance are graded once: 1 gold + 7 distinct wrong patches each
    assert len(container) == len(set(container)) <= 3 * 8
    counts = count_correct(verdicts)
    assert counts["num_samples"].tolist() == [250] * 3
    assert sorted(counts["num_correct"].tolist()) == [0, 3, 25]
    curve = coverage_curve(counts, n_bootstrap=0)
    assert curve["k"].tolist() == list(range(1, 251))
    assert curve["coverage"].iloc[-1] == pytest.approx(2 / 3) and np.all(np.diff(curve["coverage"]) >= -1e-12)


def test_attempt_files_are_checked(tmp_path):
    problems = download({"kind": "swebench", "source": {"local": str(REPO / "data/swebench/lite_test.jsonl")},
                         "subset": {"size": 2, "seed": 0}})
    fields = swebench.attempt_fields
    path = attempts_file(tmp_path, problems, 3, lambda i, a: "")
    assert len(read_attempts(str(path), problems, fields)) == 6
    with pytest.raises(ValueError, match="needs attempts 3..5"):
        import_attempts(str(path), problems, 1, 3, fields)
    with path.open("a") as f:
        f.write(json.dumps({"instance_id": json.loads(problems["metadata"][0])["instance_id"], "model_patch": "", "attempt": 0}) + "\n")
    with pytest.raises(ValueError, match="attempt index given twice"):
        read_attempts(str(path), problems, fields)


# --- patch hygiene ------------------------------------------------------------------------------

# Its test patch modifies tests/backends/base/test_creation.py and adds the test app
# tests/backends/base/app_unmigrated/ (models, migrations).
INSTANCE = ROWS["django__django-13448"]


def modify(path, before="x = 1", after="x = 2"):
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1 +1 @@\n-{before}\n+{after}\n"


def add(path, *lines):
    lines = lines or ("x = 1",)
    body = "".join(f"+{line}\n" for line in lines)
    return f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"


def delete(path, *lines):
    lines = lines or ("x = 1",)
    body = "".join(f"-{line}\n" for line in lines)
    return f"diff --git a/{path} b/{path}\ndeleted file mode 100644\n--- a/{path}\n+++ /dev/null\n@@ -1,{len(lines)} +0,0 @@\n{body}"


def rename(old, new):
    return f"diff --git a/{old} b/{new}\nsimilarity index 100%\nrename from {old}\nrename to {new}\n"


def hunk(path, header, *lines):
    """A modification of `path` with a hand-written hunk header and body lines."""
    return f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n{header}\n" + "".join(f"{line}\n" for line in lines)


SETUP_CFG = """[metadata]
name = Django
version = attr: django.__version__

[options]
python_requires = >=3.8
packages = find:

[tool:pytest]
filterwarnings =
    error
    ignore::DeprecationWarning
"""
PYPROJECT = """[build-system]
requires = ["setuptools>=40.8.0"]

[project]
name = "django"
dependencies = ["asgiref>=3.2"]

[tool."py\\u0074est".ini_options]
"xfail_s\\u0074rict" = true
"""

BENIGN = {
    "product file": (modify("django/core/validators.py"), {}),
    "new product file": (add("django/utils/helpers.py"), {}),
    "deleted product file": (delete("django/utils/old.py"), {}),
    "renamed product file": (rename("django/utils/a.py", "django/utils/b.py"), {}),
    "names that contain 'test'": (modify("django/utils/latest.py") + modify("sympy/core/contest.py") + modify("lib/attestation.py"), {}),
    "documentation about testing": (modify("docs/topics/testing/overview.txt"), {}),
    "setup.cfg metadata": (hunk("setup.cfg", "@@ -1,3 +1,3 @@", " [metadata]", "-name = Django", "+name = django", " version = 1"), {}),
    "pyproject dependencies": (hunk("pyproject.toml", "@@ -4,3 +4,3 @@", " [project]", ' name = "django"',
                                    '-dependencies = ["asgiref>=3.2"]', '+dependencies = ["asgiref>=3.3"]'), {}),
    "new setup.cfg without test settings": (add("extras/setup.cfg", "[metadata]", "name = extras"), {}),
    "pytest's own source (the product)": (modify("src/_pytest/python.py"), {}),
    "hunk lines that look like headers": (hunk("django/db/schema.sql", "@@ -1,2 +1,2 @@", "--- a/conftest.py", "++++ b/conftest.py",
                                               " -- end"), {}),
}
HOSTILE = {
    "new conftest.py": (add("conftest.py", "import pytest"), {"conftest.py": "conftest"}),
    "conftest.py in a package": (add("django/contrib/admin/conftest.py"), {"django/contrib/admin/conftest.py": "conftest"}),
    "case trick": (add("django/Conftest.PY"), {"django/Conftest.PY": "conftest"}),
    "./ trick": (modify("./conftest.py"), {"conftest.py": "conftest"}),
    ".. trick": (modify("django/../conftest.py"), {"conftest.py": "conftest"}),
    "renamed into conftest.py": (rename("django/utils/helpers.py", "conftest.py"), {"conftest.py": "conftest"}),
    "conftest.py renamed away": (rename("tests/conftest.py", "tests/conftest.txt"),
                                 {"tests/conftest.py": "conftest", "tests/conftest.txt": "test code"}),
    "quoted path": ('diff --git "a/django/con\\146test.py" "b/django/con\\146test.py"\n--- "a/django/con\\146test.py"\n'
                    '+++ "b/django/con\\146test.py"\n@@ -1 +1 @@\n-x\n+y\n', {"django/conftest.py": "conftest"}),
    "path with spaces": (modify("odd dir/conftest.py"), {"odd dir/conftest.py": "conftest"}),
    "GNU diff header with a timestamp": ("--- conftest.py 2024-01-01 00:00:00.000000000 +0000\n+++ conftest.py 2024-01-01 00:00:01.000000000 +0000\n@@ -1 +1 @@\n-x\n+y\n",
                                         {"conftest.py": "conftest"}),
    "context diff (GNU patch fallback)": ("*** a/conftest.py\n--- b/conftest.py\n***************\n*** 1 ****\n! x\n--- 1 ----\n! y\n",
                                          {"conftest.py": "conftest"}),
    "Index: header": ("Index: sympy/conftest.py\n===================================================================\n"
                      "--- sympy/conftest.py\n+++ sympy/conftest.py\n@@ -1 +1 @@\n-x\n+y\n", {"sympy/conftest.py": "conftest"}),
    "new pytest.ini with a plugin": (add("pytest.ini", "[pytest]", "addopts = -p evil"), {"pytest.ini": "pytest configuration"}),
    "tox.ini": (modify("tox.ini", "envlist = py3", "envlist = py39"), {"tox.ini": "tox configuration (any change)"}),
    "noxfile.py": (modify("noxfile.py"), {"noxfile.py": "nox configuration (any change)"}),
    "setup.cfg gains [tool:pytest]": (hunk("setup.cfg", "@@ -3,0 +4,2 @@", "+[tool:pytest]", "+python_files = *.py"),
                                      {"setup.cfg": "test configuration [tool:pytest]"}),
    "setup.cfg addopts": (hunk("setup.cfg", "@@ -12 +12 @@", "-addopts = -ra", "+addopts = -p evil"), {"setup.cfg": "test configuration (addopts)"}),
    "setup.cfg line of an unseen section": (hunk("setup.cfg", "@@ -12 +12 @@", "-    error", "+    ignore"),
                                            {"setup.cfg": "test configuration (section unknown)"}),
    "an added section header without the base file": (hunk("setup.cfg", "@@ -1,2 +1,3 @@", " [metadata]", "+[flake8]", " name = x"),
                                                      {"setup.cfg": "test configuration (section unknown)"}),
    "pyproject pytest options": (hunk("pyproject.toml", "@@ -8,2 +8,2 @@", " [tool.pytest.ini_options]", "-xfail_strict = true", "+xfail_strict = false"),
                                 {"pyproject.toml": "test configuration (xfail_strict)"}),
    "pyproject escaped table name": (hunk("pyproject.toml", "@@ -8,2 +8,2 @@", ' [tool."py\\u0074est".ini_options]', '-"a" = 1', '+"a" = 2'),
                                     {"pyproject.toml": "test configuration [tool.pytest.ini_options]"}),
    "pytest11 entry point": (hunk("setup.cfg", "@@ -20,2 +20,3 @@", " [options.entry_points]", " console_scripts = x", "+pytest11 = evil = evil"),
                             {"setup.cfg": "mentions pytest11"}),
    "django's runner": (modify("tests/runtests.py"), {"tests/runtests.py": "test runner"}),
    "sympy's runner": (modify("bin/test"), {"bin/test": "test runner"}),
    "sympy's test helpers": (modify("sympy/utilities/pytest.py"), {"sympy/utilities/pytest.py": "test runner"}),
    "install script": (modify("setup.py"), {"setup.py": "install script (the eval script may rerun it)"}),
    "sitecustomize.py": (add("sitecustomize.py"), {"sitecustomize.py": "interpreter start-up hook"}),
    "usercustomize.py": (add("django/usercustomize.py"), {"django/usercustomize.py": "interpreter start-up hook"}),
    ".pth file": (add("django/evil.pth", "import os"), {"django/evil.pth": "interpreter start-up hook"}),
    "bytecode": ("diff --git a/django/core/__pycache__/validators.cpython-39.pyc b/django/core/__pycache__/validators.cpython-39.pyc\n"
                 "new file mode 100644\nindex 0000000..e69de29\nGIT binary patch\nliteral 4\nLcmZQz00RI30096\n\nliteral 0\nHcmV?d00001\n\n",
                 {"django/core/__pycache__/validators.cpython-39.pyc": "compiled code"}),
    "extension module": (add("django/core/validators.cpython-39-x86_64-linux-gnu.so"),
                         {"django/core/validators.cpython-39-x86_64-linux-gnu.so": "compiled code"}),
    "binary change": ("diff --git a/django/core/validators.py b/django/core/validators.py\nindex 1111111..2222222 100644\n"
                      "GIT binary patch\nliteral 4\nLcmZQz00RI30096\n\n", {"django/core/validators.py": "binary change"}),
    "shadowing pytest": (add("pytest.py"), {"pytest.py": "shadows pytest"}),
    "shadowing unittest from the runner's directory": (add("tests/unittest/__init__.py"), {"tests/unittest/__init__.py": "shadows unittest"}),
    "a file of the test patch": (modify("tests/backends/base/test_creation.py"), {"tests/backends/base/test_creation.py": "a file of the test patch"}),
    "under a directory the test patch adds": (add("tests/backends/base/app_unmigrated/apps.py"),
                                              {"tests/backends/base/app_unmigrated/apps.py": "under a directory the test patch adds files to"}),
    "a test app's models": (modify("tests/admin_views/models.py"), {"tests/admin_views/models.py": "test code"}),
    "test settings": (modify("tests/test_sqlite.py"), {"tests/test_sqlite.py": "test code"}),
    "a new test module outside tests/": (add("django/utils/test_helpers.py"), {"django/utils/test_helpers.py": "test code"}),
    "pytest_plugins in product code": (modify("django/__init__.py", "VERSION = (4, 1)", "pytest_plugins = ['evil']"),
                                       {"django/__init__.py": "mentions pytest_plugins"}),
    "PYTEST_ADDOPTS set by product code": (modify("django/__init__.py", "import os", "os.environ['PYTEST_ADDOPTS'] = '-p evil'"),
                                           {"django/__init__.py": "mentions pytest_addopts"}),
    "symlink": ("diff --git a/django/link.py b/django/link.py\nnew file mode 120000\n--- /dev/null\n+++ b/django/link.py\n"
                "@@ -0,0 +1 @@\n+../tests/runtests.py\n\\ No newline at end of file\n", {"django/link.py": "symlink"}),
    "outside the repository": (modify("../../usr/lib/python3.9/site-packages/evil.py"),
                               {"../../usr/lib/python3.9/site-packages/evil.py": "outside the repository"}),
    "git hook": (add(".git/hooks/post-checkout", "#!/bin/sh", "cp /tmp/x tests/"),
                 {".git/hooks/post-checkout": "git metadata (hooks, config, attributes)"}),
    "git attributes": (add(".gitattributes", "*.py ident"), {".gitattributes": "git metadata (hooks, config, attributes)"}),
    "sitecustomize package": (add("sitecustomize/__init__.py"), {"sitecustomize/__init__.py": "shadows sitecustomize"}),
    "benign and hostile together": (GOLD + add("tests/forms_tests/conftest.py"), {"tests/forms_tests/conftest.py": "conftest"}),
}


@pytest.mark.parametrize("patch, expected", [*BENIGN.values(), *HOSTILE.values()], ids=[*BENIGN, *HOSTILE])
def test_patches_that_change_how_tests_run_are_found(patch, expected):
    assert changes_to_tests(patch, INSTANCE) == expected


def test_setup_cfg_and_pyproject_are_read_exactly_with_the_base_file():
    """With the base file at hand, the test settings before and after the patch are compared as
    parsed: a line of an unseen section counts only when it is test configuration, and escapes in
    TOML keys or hunks that do not match the base file do not hide a change."""
    base = {"setup.cfg": SETUP_CFG, "pyproject.toml": PYPROJECT}.get
    options_line = hunk("setup.cfg", "@@ -6 +6 @@", "-python_requires = >=3.8", "+python_requires = >=3.10")
    filter_line = hunk("setup.cfg", "@@ -12 +12 @@", "-    ignore::DeprecationWarning", "+    ignore::Warning")
    assert changes_to_tests(options_line, INSTANCE) == {"setup.cfg": "test configuration (section unknown)"}
    assert changes_to_tests(options_line, INSTANCE, base) == {}
    assert changes_to_tests(filter_line, INSTANCE, base) == {"setup.cfg": "test configuration (settings differ)"}
    escaped = hunk("pyproject.toml", "@@ -9 +9 @@", '-"xfail_s\\u0074rict" = true', '+"xfail_s\\u0074rict" = false')
    assert changes_to_tests(escaped, INSTANCE, base) == {"pyproject.toml": "test configuration (settings differ)"}
    dependencies = hunk("pyproject.toml", "@@ -6 +6 @@", '-dependencies = ["asgiref>=3.2"]', '+dependencies = ["asgiref>=3.3"]')
    assert changes_to_tests(dependencies, INSTANCE, base) == {}
    broken = hunk("pyproject.toml", "@@ -6 +6 @@", '-dependencies = ["asgiref>=3.2"]', '+dependencies = ["asgiref>=3.2"')
    assert changes_to_tests(broken, INSTANCE, base) == {"pyproject.toml": "test configuration (unparseable)"}
    fuzzed = hunk("setup.cfg", "@@ -2,2 +2,2 @@", " [metadata]", "-name = Django", "+name = django")  # context off by one
    assert changes_to_tests(fuzzed, INSTANCE, base) == {"setup.cfg": "test configuration (hunks do not match the base file)"}
    assert changes_to_tests(rename("setup.cfg", "setup.cfg.bak"), INSTANCE, base) == {
        "setup.cfg": "test configuration (change not analysed)"}


def test_judging_reads_setup_cfg_from_the_clone(clone, container):
    """With a clone, judging reads the base setup.cfg: a change to [options] is clean, one to
    [tool:pytest] is flagged; without a clone, a line whose section the hunk does not show is."""
    root, commit = clone
    instance, with_clone = {**DJANGO, "base_commit": commit}, SWEBenchOptions(repositories=str(root.parent))
    options_line = hunk("setup.cfg", "@@ -6,2 +6,2 @@", "-python_requires = >=3.8", "+python_requires = >=3.10", " packages = find:")
    filter_line = hunk("setup.cfg", "@@ -11,2 +11,2 @@", "     error", "-    ignore::DeprecationWarning", "+    ignore::Warning")
    assert swebench.judge(options_line, instance, with_clone) == Judgement(False, "unresolved")
    assert swebench.judge(options_line, instance, OPTIONS) == Judgement(False, "unresolved (changes tests: setup.cfg)")
    assert swebench.judge(filter_line, instance, with_clone) == Judgement(False, "unresolved (changes tests: setup.cfg)")
    assert changes_to_tests(filter_line, instance) == {"setup.cfg": "test configuration (section unknown)"}
    assert len(container) == 3


def test_gold_patches_change_no_tests():
    assert {i: changes_to_tests(row["patch"], row) for i, row in ROWS.items() if changes_to_tests(row["patch"], row)} == {}


def test_test_patches_change_tests_file_by_file():
    """Every file of every test patch is found: as a file of the instance's test patch, and by the
    path rules alone (for an instance that has no test patch)."""
    for row in ROWS.values():
        files = set(changes_to_tests(row["test_patch"], {}))
        assert files and files == set(changes_to_tests(row["test_patch"], row)), row["instance_id"]
        assert files == {f.path for f in PatchSet(row["test_patch"])}, row["instance_id"]


def test_test_changes_option():
    assert SWEBenchOptions().test_changes == "flag"
    assert options_from(SWEBenchOptions, {"test_changes": "reject"}, "test").test_changes == "reject"
    with pytest.raises(PlanError, match="test_changes must be one of"):
        options_from(SWEBenchOptions, {"test_changes": "ignore"}, "test")
    assert swebench.verifier_version == "2"


def test_flagged_verdicts_keep_the_harness_reason_with_a_marker(container):
    hostile = GOLD + add("tests/forms_tests/conftest.py")
    assert swebench.judge(GOLD, DJANGO, OPTIONS) == Judgement(True, "resolved")
    flagged = swebench.judge(hostile, DJANGO, OPTIONS)
    assert flagged == Judgement(True, "resolved (changes tests: tests/forms_tests/conftest.py)")
    many = modify("django/x.py") + "".join(add(f"d{i}/conftest.py") for i in range(5))
    assert swebench.judge(many, DJANGO, OPTIONS).reason == (
        "unresolved (changes tests: d0/conftest.py, d1/conftest.py, d2/conftest.py, +2 more)")
    malformed = "--- a/conftest.py\n+++ b/conftest.py\n@@ -1,3 +1,3 @@\n-a\n+b\n"
    assert swebench.judge(malformed, DJANGO, OPTIONS).reason.endswith("(changes tests: conftest.py)")
    assert len(container) == 3
    assert [changes_tests(j.reason) for j in (flagged, Judgement(True, "resolved"))] == [True, False]


def test_rejected_patches_never_reach_a_container(container):
    reject = SWEBenchOptions(test_changes="reject")
    hostile = GOLD + modify("tests/runtests.py")
    rejected = swebench.judge(hostile, DJANGO, reject)
    assert rejected == Judgement(False, "rejected: changes tests (tests/runtests.py)") and changes_tests(rejected.reason)
    assert container == []
    assert swebench.judge(GOLD, DJANGO, reject) == Judgement(True, "resolved") and len(container) == 1


def test_coverage_with_and_without_test_changing_patches(container):
    """Flagged verdicts count as correct; dropping them (or rejecting them) gives the coverage
    without test-changing patches."""
    problems = pd.DataFrame({"problem_id": ["p"], "gold": [json.dumps(DJANGO)]})
    texts = [GOLD, GOLD + add("conftest.py"), GOLD + add("conftest.py"), modify("django/x.py")]
    samples = pd.DataFrame({"problem_id": ["p"] * 4, "sample_idx": range(4), "text": texts})
    flagged = verify(samples, problems, VERIFIER)
    assert flagged["correct"].tolist() == [True, True, True, False]
    assert flagged["reason"].tolist() == ["resolved", *["resolved (changes tests: conftest.py)"] * 2, "unresolved"]
    without = flagged.assign(correct=flagged["correct"] & ~flagged["reason"].map(changes_tests))
    assert count_correct(flagged)["num_correct"].tolist() == [3]
    assert count_correct(without)["num_correct"].tolist() == [1]
    rejected = verify(samples, problems, {**VERIFIER, "test_changes": "reject"})
    assert rejected["correct"].tolist() == without["correct"].tolist()
    assert rejected["reason"].tolist()[1] == "rejected: changes tests (conftest.py)"
    assert len(container) == 3 + 2  # flag: gold, gold + conftest.py, wrong; reject: gold, wrong
