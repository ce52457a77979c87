"""SWE-bench Lite (Jimenez et al. 2024): real GitHub issues, resolved by a patch, graded by the
official harness (`swebench`), which runs the repository's tests in a docker container.

Attempts come from either of two places. Sampled: an agentless-style single turn: the issue, the
files localized for it in a repository snapshot (when `repositories` points at git clones), and a
request for a unified diff. Imported: any agent's predictions (`instance_id`, `model_patch`),
entering at the verify step (see `monkeys.attempts`).

Judging an attempt: an empty or unparseable patch, or one that does not apply to the base commit
(checked with `git apply --check` when a clone is available), is a verdict, not a crash. Otherwise
the harness runs it in the instance's image and the harness's own report functions read its test
log; logs stay under `logs/run_evaluation/`.

Patch hygiene (`hygiene.changes_to_tests`): a patch that changes how the tests run (a conftest.py,
pytest/tox configuration, the test runner, the test suites' files, start-up hooks...) is flagged:
its verdict keeps the harness's reason plus "(changes tests: PATHS)", so coverage can be counted
with and without such patches (`hygiene.changes_tests(reason)`). With the verifier option
`test_changes: reject` it is instead `rejected: changes tests (PATHS)`, before any container runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from monkeys.errors import PlanError, VerifierUnavailable
from monkeys.tasks.base import AttemptFields, Judgement, PromptOptions, Task, VerifierOptions, register
from monkeys.tasks.swebench.harness import HARNESS_FIELDS, docker_unavailable, run_in_container
from monkeys.tasks.swebench.hygiene import (
    changes_tests,  # noqa: F401 (re-exported: verdict reasons)
    changes_to_tests,
    marked,
    rejection,
)

TEST_CHANGES = ("flag", "reject")  # the values of SWEBenchOptions.test_changes

# The harness's log parser for each SWE-bench (Lite) repository, for rows that do not name one.
LOG_PARSERS = {
    "astropy/astropy": "parse_log_astropy", "django/django": "parse_log_django",
    "matplotlib/matplotlib": "parse_log_matplotlib", "mwaskom/seaborn": "parse_log_seaborn",
    "pallets/flask": "parse_log_flask", "psf/requests": "parse_log_requests", "pydata/xarray": "parse_log_xarray",
    "pylint-dev/pylint": "parse_log_pylint", "pytest-dev/pytest": "parse_log_pytest",
    "scikit-learn/scikit-learn": "parse_log_scikit", "sphinx-doc/sphinx": "parse_log_sphinx",
    "sympy/sympy": "parse_log_sympy", "sqlfluff/sqlfluff": "parse_log_sqlfluff",
    "marshmallow-code/marshmallow": "parse_log_marshmallow", "pvlib/pvlib-python": "parse_log_pvlib",
    "pydicom/pydicom": "parse_log_pydicom", "pyvista/pyvista": "parse_log_pyvista", "pylint-dev/astroid": "parse_log_astroid",
}
INSTRUCTION = (
    "Resolve the issue by editing the repository. Answer with a single patch in unified diff format "
    "(`diff --git a/PATH b/PATH`, `--- a/PATH`, `+++ b/PATH`, `@@` hunks) that applies to the code as shown."
)
_FENCED = re.compile(r"```[ \t]*(?:diff|patch)?[ \t]*\n(.*?)(?:\n```|\Z)", re.S)
_PATCH_START = re.compile(r"^(?:diff --git |--- )", re.M)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{3,}")
_PATH = re.compile(r"[\w./-]+\.py\b")


@dataclass(frozen=True)
class SWEBenchPromptOptions(PromptOptions):
    repositories: str | None = None  # git clones named owner__name (localization, `git apply --check`)
    files: int = 3  # localized files shown in the prompt
    max_file_chars: int = 20000


@dataclass(frozen=True)
class SWEBenchOptions(VerifierOptions):
    # Not set here: the task's `prompt.repositories` is used (one setting for both).
    repositories: str | None = None
    timeout_s_per_instance: int = 1800  # harness time limit for an attempt's tests
    run_id: str = "monkeys"  # harness run id (log directory under logs/run_evaluation)
    # A patch that changes how the tests run (conftest.py, test configuration, runner, test files):
    # "flag" grades it and marks the reason "(changes tests: ...)"; "reject" fails it unrun.
    test_changes: str = "flag"

    def __post_init__(self):
        if self.test_changes not in TEST_CHANGES:
            raise PlanError(f"swebench verifier option test_changes must be one of {list(TEST_CHANGES)}, "
                            f"got {self.test_changes!r}")


def repository(directory: str | None, repo: str) -> Path | None:
    """A git clone of `owner/name` under `directory` (as `owner__name`), if there is one."""
    if not directory:
        return None
    clone = Path(directory) / repo.replace("/", "__")
    return clone if (clone / ".git").exists() or (clone / "HEAD").exists() else None


def localize(clone: Path, commit: str, issue: str, count: int) -> list[tuple[str, str]]:
    """The `count` Python files whose paths best match the issue: named paths first, then the most
    issue words among the path's parts (the lexical first step of Agentless-style localization)."""
    paths = _git(clone, "ls-tree", "-r", "--name-only", commit).split("\n")
    python = [p for p in paths if p.endswith(".py")]
    named = {m.lstrip("./") for m in _PATH.findall(issue)}
    words = {w.lower() for w in _WORD.findall(issue)}

    def score(path: str) -> tuple:
        parts = set(re.split(r"[/._]", path.lower()))
        return (any(path.endswith(n) for n in named), len(parts & words), -len(path))

    ranked = sorted(python, key=score, reverse=True)[:count]
    return [(p, _git(clone, "show", f"{commit}:{p}")) for p in ranked]


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True, check=True).stdout


def patch_problem(patch: str, instance: dict, repositories: str | None = None) -> str | None:
    """Why the patch cannot be a fix (malformed, touches nothing, does not apply), or None."""
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    try:
        files = PatchSet(patch)
    except UnidiffParseError as err:
        return f"malformed patch: {str(err)[:120]}"
    if not files:
        return "malformed patch: no file changes"
    clone = repository(repositories, instance["repo"])
    if clone and (failure := _does_not_apply(clone, instance["base_commit"], patch)):
        return f"patch does not apply: {failure}"
    return None


def _does_not_apply(clone: Path, commit: str, patch: str) -> str | None:
    """`git apply --check` against the base commit's tree, in a throwaway index (no checkout)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        subprocess.run(["git", "-C", str(clone), "read-tree", commit], env=env, check=True, capture_output=True)
        check = subprocess.run(["git", "-C", str(clone), "apply", "--check", "--cached", "-"], input=patch,
                               env=env, capture_output=True, text=True)
    return (check.stderr.strip().splitlines() or ["git apply failed"])[0] if check.returncode else None


def _base_reader(clone: Path, commit: str):
    """A file's text at the base commit (None when it has none): makes the setup.cfg / pyproject.toml
    hygiene check exact."""

    def read(path: str) -> str | None:
        shown = subprocess.run(["git", "-C", str(clone), "show", f"{commit}:{path}"], capture_output=True)
        return shown.stdout.decode("utf-8", "replace") if shown.returncode == 0 else None

    return read


@register("swebench")
class SWEBench(Task):
    stop = ("\n```",)
    verifier_version = "2"  # 2: patch hygiene (test-changing patches flagged or rejected)
    verifier_options = SWEBenchOptions
    prompt_options = SWEBenchPromptOptions
    no_answer = "empty patch"
    expensive = True
    takes_few_shot = False
    attempt_fields = AttemptFields(problem=("instance_id", "problem_id"), text=("model_patch", "text"))

    def normalize(self, row: dict) -> dict:
        gold = {key: row[key] for key in row if key != "problem_statement"}
        gold.setdefault("log_parser", LOG_PARSERS.get(row["repo"], "parse_log_pytest"))
        gold.setdefault("eval_type", "pass_and_fail")
        metadata = {"instance_id": row["instance_id"], "repo": row["repo"], "base_commit": row["base_commit"]}
        # default=str: `datasets` parses created_at into a datetime
        return {"question": row["problem_statement"], "gold": json.dumps(gold, default=str), "metadata": metadata}

    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: SWEBenchPromptOptions) -> str:
        parts = [f"<issue>\n{question.strip()}\n</issue>", self.context(question, metadata, options)]
        return "\n\n".join([*filter(None, parts), INSTRUCTION, "```diff\n"])

    @staticmethod
    def context(question: str, metadata: dict, options: SWEBenchPromptOptions) -> str:
        """The files localized for the issue, when `options.repositories` has a clone of the repo."""
        clone = repository(options.repositories, metadata["repo"])
        if clone is None:
            return ""
        files = localize(clone, metadata["base_commit"], question, options.files)
        limit = options.max_file_chars
        return "<code>\n" + "\n".join(f"[start of {p}]\n{text[:limit]}\n[end of {p}]" for p, text in files) + "\n</code>"

    def parse_gold(self, gold: str) -> dict:
        return json.loads(gold)

    def extract_answer(self, text: str) -> tuple[str, str] | None:
        """The patch: the first fenced diff block, else the text from its first diff header."""
        fenced = _FENCED.search(text)
        body = fenced.group(1) if fenced else text
        start = _PATCH_START.search(body)
        patch = body[start.start():] if start else body
        patch = patch.strip("\n") + "\n"
        return (patch, patch) if patch.strip() else None

    def preflight(self, options: SWEBenchOptions) -> None:
        if why := docker_unavailable():
            raise VerifierUnavailable(f"cannot run SWE-bench tests here: {why}")

    def judge(self, patch: str, instance: dict, options: SWEBenchOptions) -> Judgement:
        """Check the patch's hygiene, then validate it, run the harness's container for it and grade
        its test log; a patch that changes tests is rejected unrun or its verdict is marked."""
        clone = repository(options.repositories, instance["repo"])
        changes = changes_to_tests(patch, instance, _base_reader(clone, instance["base_commit"]) if clone else None)
        if changes and options.test_changes == "reject":
            return Judgement(False, rejection(changes))
        judgement = self._graded(patch, instance, options)
        return Judgement(judgement.correct, marked(judgement.reason, changes), judgement.cacheable)

    def _graded(self, patch: str, instance: dict, options: SWEBenchOptions) -> Judgement:
        if problem := patch_problem(patch, instance, options.repositories):
            return Judgement(False, problem)
        missing = [f for f in HARNESS_FIELDS if f not in instance]
        if missing:
            raise VerifierUnavailable(f"instance {instance['instance_id']} lacks the harness fields {missing}: "
                                      "load the tasks from the hub's SWE-bench/SWE-bench_Lite to run tests")
        reason = run_in_container(patch, instance, options.run_id, options.timeout_s_per_instance)
        return Judgement(reason == "resolved", reason, cacheable=not reason.startswith("infra failure"))
