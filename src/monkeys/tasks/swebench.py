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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from monkeys.errors import VerifierUnavailable

STOP = ["\n```"]
VERIFIER_VERSION = "1"
NO_ANSWER = "empty patch"
VERIFIER_DEFAULTS = {"timeout_s_per_instance": 1800, "run_id": "monkeys", "repositories": None}
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
HARNESS_FIELDS = ("image", "eval_script")  # what running (not grading) an attempt needs

INSTRUCTION = (
    "Resolve the issue by editing the repository. Answer with a single patch in unified diff format "
    "(`diff --git a/PATH b/PATH`, `--- a/PATH`, `+++ b/PATH`, `@@` hunks) that applies to the code as shown."
)
_FENCED = re.compile(r"```[ \t]*(?:diff|patch)?[ \t]*\n(.*?)(?:\n```|\Z)", re.S)
_PATCH_START = re.compile(r"^(?:diff --git |--- )", re.M)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{3,}")
_PATH = re.compile(r"[\w./-]+\.py\b")


def normalize(row: dict) -> dict:
    gold = {key: row[key] for key in row if key != "problem_statement"}
    gold.setdefault("log_parser", LOG_PARSERS.get(row["repo"], "parse_log_pytest"))
    gold.setdefault("eval_type", "pass_and_fail")
    metadata = {"instance_id": row["instance_id"], "repo": row["repo"], "base_commit": row["base_commit"]}
    # default=str: `datasets` parses created_at into a datetime
    return {"question": row["problem_statement"], "gold": json.dumps(gold, default=str), "metadata": metadata}


def prompt_context(question: str, metadata: dict, options: dict) -> str:
    """The files localized for the issue, when `options.repositories` has a clone of the repo."""
    clone = repository(options.get("repositories"), metadata["repo"])
    if clone is None:
        return ""
    files = localize(clone, metadata["base_commit"], question, options.get("files", 3))
    limit = options.get("max_file_chars", 20000)
    return "<code>\n" + "\n".join(f"[start of {p}]\n{text[:limit]}\n[end of {p}]" for p, text in files) + "\n</code>"


def build_prompt(question: str, shots: list[dict], context: str = "") -> str:
    parts = [f"<issue>\n{question.strip()}\n</issue>", context]
    return "\n\n".join([*filter(None, parts), INSTRUCTION, "```diff\n"])


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


def parse_gold(gold: str) -> dict:
    return json.loads(gold)


def extract_answer(text: str) -> tuple[str, str] | None:
    """The patch: the first fenced diff block, else the text from its first diff header."""
    fenced = _FENCED.search(text)
    body = fenced.group(1) if fenced else text
    start = _PATCH_START.search(body)
    patch = body[start.start():] if start else body
    patch = patch.strip("\n") + "\n"
    return (patch, patch) if patch.strip() else None


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


def grade_log(instance: dict, patch: str, log_path: str | Path) -> str:
    """The verdict the harness's report functions give an attempt's test log."""
    from swebench.harness.grading import get_eval_report
    from swebench.types import TestSpec

    spec = TestSpec(
        instance_id=instance["instance_id"], image=instance.get("image", ""), eval_script_list=[],
        repo=instance["repo"], version=str(instance.get("version", "")),
        FAIL_TO_PASS=_tests(instance["FAIL_TO_PASS"]), PASS_TO_PASS=_tests(instance["PASS_TO_PASS"]),
        log_parser=instance["log_parser"], eval_type=instance["eval_type"],
    )
    prediction = {"instance_id": instance["instance_id"], "model_name_or_path": "monkeys", "model_patch": patch}
    report = get_eval_report(spec, prediction, str(log_path), include_tests_status=False)[instance["instance_id"]]
    if report["resolved"]:
        return "resolved"
    if report["patch_successfully_applied"]:
        return "unresolved"
    if report.get("infra_failure"):
        return f"infra failure: {report.get('infra_failure_reason', 'unknown')}"
    return _log_failure(Path(log_path).read_text(errors="replace"))


def _log_failure(log: str) -> str:
    from swebench.harness.constants import APPLY_PATCH_FAIL, RESET_FAILED, TESTS_ERROR, TESTS_TIMEOUT

    for marker, reason in ((APPLY_PATCH_FAIL, "patch does not apply"), (TESTS_TIMEOUT, "tests timed out"),
                           (TESTS_ERROR, "tests errored"), (RESET_FAILED, "tests errored")):
        if marker in log:
            return reason
    return "tests errored"


def _tests(value) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value)


@cache
def _docker_problem() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True)
    return f"docker is not usable ({info.stderr.strip()[:200]})" if info.returncode else None


def unavailable(options: dict) -> str | None:
    if why := _docker_problem():
        return (f"{why}: the SWE-bench harness runs each attempt's tests in a container. Verify on a machine "
                "with docker (a workstation or cluster node), or import verdicts graded elsewhere")
    return None


def judge(patch: str, instance: dict, options: dict) -> tuple[bool, str]:
    """Validate the patch, run the harness's container for it, grade its test log."""
    if problem := patch_problem(patch, instance, options.get("repositories")):
        return False, problem
    if why := unavailable(options):
        raise VerifierUnavailable(f"cannot run SWE-bench tests here: {why}")
    missing = [f for f in HARNESS_FIELDS if f not in instance]
    if missing:
        return False, f"verifier error: the instance lacks harness fields {missing}; load SWE-bench/SWE-bench_Lite"
    import docker
    from swebench.harness.run_evaluation import RUN_EVALUATION_LOG_DIR, run_instance
    from swebench.harness.utils import make_test_spec

    # One log directory per distinct patch: attempts never overwrite each other's logs.
    model = f"monkeys-{hashlib.sha256(patch.encode()).hexdigest()[:12]}"
    prediction = {"instance_id": instance["instance_id"], "model_name_or_path": model, "model_patch": patch}
    run_instance(make_test_spec(instance), prediction, docker.from_env(), options["run_id"],
                 timeout=options["timeout_s_per_instance"])
    log = RUN_EVALUATION_LOG_DIR / options["run_id"] / model / instance["instance_id"] / "test_output.txt"
    if not log.exists():
        return False, "tests errored"
    reason = grade_log(instance, patch, log)
    return reason == "resolved", reason
