"""Glue to the official SWE-bench harness (`swebench`): run an attempt's tests in the instance's
container and grade the test log with the harness's own report functions."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

HARNESS_FIELDS = ("image", "eval_script")  # what running (not grading) an attempt needs


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


def docker_unavailable() -> str | None:
    if why := _docker_problem():
        return (f"{why}: the SWE-bench harness runs each attempt's tests in a container. Verify on a machine "
                "with docker (a workstation or cluster node), or import verdicts graded elsewhere")
    return None


def run_in_container(patch: str, instance: dict, run_id: str, timeout_s: int) -> str:
    """The harness's verdict on one patch: runs its container, then grades the test log."""
    import docker
    from swebench.harness.run_evaluation import RUN_EVALUATION_LOG_DIR, run_instance
    from swebench.harness.utils import make_test_spec

    # One log directory per distinct patch: attempts never overwrite each other's logs.
    model = f"monkeys-{hashlib.sha256(patch.encode()).hexdigest()[:12]}"
    prediction = {"instance_id": instance["instance_id"], "model_name_or_path": model, "model_patch": patch}
    run_instance(make_test_spec(instance), prediction, docker.from_env(), run_id, timeout=timeout_s)
    log = RUN_EVALUATION_LOG_DIR / run_id / model / instance["instance_id"] / "test_output.txt"
    return grade_log(instance, patch, log) if log.exists() else "tests errored"
