"""Adaptive allocation in the workflow: which problems a chunk samples, the DAG that orders chunks
after the verdicts they depend on, and coverage from stopped problems."""

import copy

import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from conftest import REPO
from monkeys.allocation import active_problems, no_samples
from monkeys.coverage import aggregate
from monkeys.errors import PlanError
from monkeys.plan import Plan
from workflow_helpers import planned_jobs, prepare_workdir

DEFAULT = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
BOOTSTRAP = {"resamples": 0, "confidence": 0.95, "seed": 0}


def adaptive_config(stop_after_correct=1) -> dict:
    config = copy.deepcopy(DEFAULT)
    config["experiments"]["gsm8k-smollm2"]["sampling"]["allocation"] = {"stop_after_correct": stop_after_correct}
    config["figures"] = {"coverage": config["figures"]["coverage"], "flops": config["figures"]["flops"]}
    return config


def verdicts(chunk, correct):
    return pd.DataFrame({"problem_id": list(correct), "sample_idx": chunk, "correct": list(correct.values())})


def test_problems_with_enough_correct_samples_stop():
    problems = pd.DataFrame({"problem_id": ["a", "b", "c"]})
    earlier = [verdicts(0, {"a": True, "b": False}), verdicts(1, {"a": False, "b": True, "c": False})]
    assert active_problems(problems, [], 1)["problem_id"].tolist() == ["a", "b", "c"]
    assert active_problems(problems, earlier, 1)["problem_id"].tolist() == ["c"]
    assert active_problems(problems, earlier, 2)["problem_id"].tolist() == ["a", "b", "c"]
    assert len(no_samples(True)) == 0 and "cumulative_logprob" in no_samples(True)


def test_each_chunk_reads_the_verdicts_of_the_chunks_before_it(monkeypatch):
    monkeypatch.chdir(REPO)
    config = adaptive_config()
    validate(config, str(REPO / "config/schema.yaml"))
    plan = Plan(config)
    experiment = plan.experiments["gsm8k-smollm2"]
    assert experiment.source == "adaptive"
    samples, verdicts_key = experiment.keys["samples"], experiment.keys["verdicts"]
    assert plan.inputs("samples", samples, 0)["earlier"] == []
    assert plan.inputs("samples", samples, 3)["earlier"] == [f"cache/verdicts/{verdicts_key}/chunk{i}.parquet" for i in range(3)]
    fixed_config = adaptive_config() | {"experiments": copy.deepcopy(DEFAULT["experiments"])}  # no allocation
    validate(fixed_config, str(REPO / "config/schema.yaml"))
    fixed = Plan(fixed_config)
    assert "earlier" not in fixed.inputs("samples", fixed.experiments["gsm8k-smollm2"].keys["samples"], 3)
    # Which problems are sampled depends on the verifier and on s: both are part of the samples spec.
    other = adaptive_config(stop_after_correct=2)
    validate(other, str(REPO / "config/schema.yaml"))
    assert Plan(other).experiments["gsm8k-smollm2"].keys["samples"] != samples


def test_analyses_that_need_every_sample_refuse_adaptive_experiments(monkeypatch):
    monkeypatch.chdir(REPO)
    config = adaptive_config()
    config["figures"]["verifiers"] = {"kind": "verifiers", "experiments": ["gsm8k-smollm2"]}
    validate(config, str(REPO / "config/schema.yaml"))
    with pytest.raises(PlanError, match="uses adaptive allocation"):
        Plan(config)


def test_adaptive_chunks_run_in_order_in_the_dag(tmp_path):
    config = adaptive_config()
    chunks = sum(e["sampling"]["n_samples"] // e["sampling"]["chunk_size"] for e in config["experiments"].values())
    jobs = planned_jobs(prepare_workdir(tmp_path, config))
    assert jobs["sample"] == jobs["verify"] == chunks  # the same jobs, now ordered by their inputs


def test_aggregate_uses_the_stopping_aware_estimator():
    spec = {"bootstrap": BOOTSTRAP, "allocation": {"chunk_size": 2, "stop_after_correct": 1, "n_samples": 4}}
    chunks = [
        pd.DataFrame({"problem_id": ["a", "a", "b", "b"], "sample_idx": [0, 1, 0, 1], "correct": [False, True, False, False]}),
        pd.DataFrame({"problem_id": ["b", "b"], "sample_idx": [2, 3], "correct": [False, False]}),
    ]
    counts, curve = aggregate(spec, verdicts=chunks)
    assert counts.set_index("problem_id")[["num_samples", "num_correct", "stopped"]].to_dict("index") == {
        "a": {"num_samples": 2, "num_correct": 1, "stopped": True},
        "b": {"num_samples": 4, "num_correct": 0, "stopped": False},
    }
    # Problem a stopped at its first success in chunk 0 (the orderings FT and TF are equally
    # likely): pass@1 = 1/2, pass@k = 1 for k >= 2; b is never solved.
    assert curve.set_index("k")["coverage"].to_dict() == pytest.approx({1: 0.25, 2: 0.5, 3: 0.5, 4: 0.5})
