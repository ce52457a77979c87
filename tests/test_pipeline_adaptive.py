"""Adaptive allocation end to end with the real CPU model: each chunk samples exactly the problems
below `stop_after_correct` correct in the chunks before it, coverage uses the stopping-aware
estimator, and a run killed between chunks resumes to identical results."""

import os
import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml

from conftest import REPO
from workflow_helpers import completed_run, prepare_workdir, requires_model, snakemake, snakemake_command

pytestmark = requires_model

TINY = yaml.safe_load((REPO / "tests" / "configs" / "tiny.yaml").read_text())
CONFIG = {
    "tasks": {"gsm8k": {**TINY["tasks"]["gsm8k"], "subset": {"size": 4, "seed": 0}}},
    "models": TINY["models"],
    "experiments": {"gsm8k-adaptive": {
        "task": "gsm8k", "model": "smollm2",
        "sampling": {"temperature": 0.6, "top_p": 0.95, "max_tokens": 96, "n_samples": 8, "chunk_size": 2, "seed": 0,
                     "allocation": {"stop_after_correct": 1}},
    }},
    "figures": {"adaptive": {"kind": "flops", "experiments": ["gsm8k-adaptive"]}},
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return completed_run(tmp_path_factory.mktemp("adaptive"), CONFIG)


def chunks(workdir, kind):
    return [pd.read_parquet(p) for p in sorted(workdir.glob(f"cache/{kind}/*/chunk*.parquet"), key=lambda p: int(p.stem[5:]))]


def test_each_chunk_samples_the_problems_still_below_s(run):
    samples, verdicts = chunks(run, "samples"), chunks(run, "verdicts")
    assert len(samples) == len(verdicts) == 4
    problems = set(pd.read_parquet(next(run.glob("cache/problems/*.parquet")))["problem_id"])
    for j, chunk in enumerate(samples):
        earlier = pd.concat(verdicts[:j]) if j else pd.DataFrame({"problem_id": [], "correct": []})
        solved = set(earlier.groupby("problem_id")["correct"].sum().loc[lambda c: c >= 1].index)
        assert set(chunk["problem_id"]) == problems - solved
        assert set(chunk["sample_idx"]) <= {2 * j, 2 * j + 1}
    counts = pd.read_parquet(next(run.glob("cache/coverage/*.counts.parquet")))
    assert set(counts.columns) >= {"num_samples", "num_correct", "stopped", "stop_after_correct", "chunk_size"}
    spending = pd.read_csv(run / "results/tables/spending.csv")
    assert spending.loc[0, "samples_drawn"] == counts["num_samples"].sum() <= spending.loc[0, "samples_fixed_n"] == 32


def test_a_run_killed_between_chunks_resumes_to_identical_results(run, tmp_path):
    workdir = prepare_workdir(tmp_path, CONFIG)
    process = subprocess.Popen(snakemake_command(workdir), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None and not list(workdir.glob("logs/sample/*/chunk1.log")):
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before its second chunk"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    snakemake(workdir, "--unlock")
    snakemake(workdir, "--rerun-incomplete")
    for table in ("results/tables/coverage.csv", "results/tables/fits.csv", "results/tables/spending.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(workdir / table), pd.read_csv(run / table))
    for ours, theirs in zip(chunks(workdir, "samples"), chunks(run, "samples"), strict=True):
        pd.testing.assert_frame_equal(ours, theirs)
