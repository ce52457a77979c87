import copy

import pytest
import yaml
from snakemake.utils import validate

from conftest import REPO
from monkeys.plan import Plan, PlanError, digest


def load(name="config/config.yaml") -> dict:
    config = yaml.safe_load((REPO / name).read_text())
    validate(config, str(REPO / "config" / "schema.yaml"))
    return config


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # local data paths in configs are relative to the working directory


ALL = {"problems", "samples", "verdicts", "coverage", "fits", "tokens", "scores", "selection", "extrapolation"}


def hashes(plan: Plan, name: str) -> dict:
    e = plan.experiments[name]
    return {key: e.keys.get(key) for key in ALL}


def changed(before: dict, after: dict) -> set:
    return {k for k in before if before[k] != after[k]}


def test_digest_ignores_key_order():
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_same_config_same_paths():
    assert hashes(Plan(load()), "gsm8k-smollm2") == hashes(Plan(load()), "gsm8k-smollm2")


@pytest.mark.parametrize(
    "edit,expected",
    [
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(n_samples=256), {"coverage", "fits", "tokens", "selection", "extrapolation"}),
        (lambda c: c["experiments"]["gsm8k-smollm2"].update(verifier={"timeout_s": 9}), {"verdicts", "coverage", "fits", "selection", "extrapolation"}),
        (lambda c: c["tasks"]["gsm8k"].update(verifier={"timeout_s": 9}), {"verdicts", "coverage", "fits", "selection", "extrapolation"}),
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(temperature=1.0), ALL - {"problems"}),
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(logprobs=False), ALL - {"problems"}),
        (lambda c: c["models"]["smollm2-135m-instruct"].update(max_model_len=1024), ALL - {"problems"}),
        (lambda c: c["tasks"]["gsm8k"]["subset"].update(seed=1), ALL),
        (lambda c: c["fits"].update(num_points=20), {"fits", "extrapolation"}),
        (lambda c: c["coverage"]["bootstrap"].update(resamples=10), {"coverage", "fits", "selection", "extrapolation"}),
        (lambda c: c["selection"]["majority_vote"].update(permutations=7), {"selection"}),
        (lambda c: c["extrapolation"].update(fraction=0.5), {"extrapolation"}),
        (lambda c: c["experiments"]["gsm8k-smollm2"]["scorer"].update(kind="reward_model", model="m"), {"scores", "selection"}),
        (lambda c: c["models"]["smollm2-135m-instruct"]["price"].update(input_per_mtok=9), set()),
        (lambda c: c["figures"]["coverage"].update(title="new"), set()),
        (lambda c: c["resources"]["sample"].update(threads=16), set()),
        (lambda c: c["models"]["smollm2-135m-instruct"].update(parameters=1), set()),
    ],
)
def test_a_knob_changes_exactly_the_paths_downstream_of_it(edit, expected):
    config = load()
    before = hashes(Plan(config), "gsm8k-smollm2")
    edited = copy.deepcopy(config)
    edit(edited)
    assert changed(before, hashes(Plan(edited), "gsm8k-smollm2")) == expected


def test_more_samples_reuse_the_first_chunks():
    config = load()
    small = Plan(config)
    config["experiments"]["gsm8k-smollm2"]["sampling"]["n_samples"] *= 4
    large = Plan(config)
    s, l = small.experiments["gsm8k-smollm2"], large.experiments["gsm8k-smollm2"]
    assert l.n_chunks == 4 * s.n_chunks
    assert [small.path("samples", s.keys["samples"], i) for i in range(s.n_chunks)] == [
        large.path("samples", l.keys["samples"], i) for i in range(s.n_chunks)
    ]


def test_chunk_seeds_differ_per_chunk_and_are_stable():
    plan = Plan(load())
    key = plan.experiments["gsm8k-smollm2"].keys["samples"]
    seeds = [plan.chunk_seed(key, i) for i in range(100)]
    assert len(set(seeds)) == 100 and all(0 <= s < 2**32 for s in seeds)
    assert seeds == [Plan(load()).chunk_seed(key, i) for i in range(100)]


def test_changed_snapshot_changes_problems_hash(tmp_path, monkeypatch):
    config = load()
    data = tmp_path / "test.jsonl"
    data.write_text((REPO / "data/gsm8k/test.jsonl").read_text())
    config["tasks"]["gsm8k"]["source"]["local"] = str(data)
    before = Plan(config).experiments["gsm8k-smollm2"].keys["problems"]
    data.write_text(data.read_text().replace("Janet", "Jane"))
    assert Plan(config).experiments["gsm8k-smollm2"].keys["problems"] != before


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda c: c["experiments"]["gsm8k-smollm2"]["sampling"].update(chunk_size=5), "multiple of chunk_size"),
        (lambda c: c["experiments"]["gsm8k-smollm2"].update(task="nope"), "unknown task 'nope'"),
        (lambda c: c["experiments"]["gsm8k-smollm2"].update(model="nope"), "unknown model 'nope'"),
        (lambda c: c["figures"]["coverage"].update(experiments=["nope"]), "unknown experiment"),
        (lambda c: c["experiments"].update(pub={"imported": "missing.csv"}), "not found"),
    ],
)
def test_inconsistent_configs_are_rejected_with_the_reason(edit, message):
    config = load()
    edit(config)
    with pytest.raises(PlanError, match=message):
        Plan(config)


def test_without_logprobs_there_is_nothing_to_score():
    config = load()
    config["experiments"]["gsm8k-smollm2"]["sampling"]["logprobs"] = False
    plan = Plan(config)
    keys = plan.experiments["gsm8k-smollm2"].keys
    assert "scores" not in keys and plan.specs["selection"][keys["selection"]]["scores"] is None


def test_paper_config_plans_the_papers_experiments():
    plan = Plan(load("config/paper.yaml"))
    assert len(plan.experiments) == 28
    kinds = {}
    for e in plan.experiments.values():
        assert e.n_chunks == 10
        problems = plan.specs["problems"][e.keys["problems"]]
        kinds[problems["kind"]] = kinds.get(problems["kind"], 0) + 1
        sampling = plan.specs["samples"][e.keys["samples"]]["sampling"]
        if problems["kind"] in ("gsm8k", "math"):
            assert problems["subset"]["size"] == 128
            assert (sampling["temperature"], sampling["top_p"]) == (0.6, 0.95)
        elif problems["kind"] == "codecontests":
            assert problems["source"]["hub"]["path"] == "deepmind/code_contests" and problems["subset"]["size"] is None
            assert sampling["temperature"] == 0.6
        elif problems["kind"] == "swebench":  # 250 attempts at temperature 1.6, as in the paper
            assert sampling["temperature"] == 1.6 and sampling["chunk_size"] == 25
        else:  # MiniF2F-MATH: all 130 problems, 3 valid-split shots, temperature 0.5, pinned Mathlib
            assert problems["subset"]["size"] is None and problems["few_shot"]["num"] == 3
            assert sampling["temperature"] == 0.5
            verifier = plan.specs["verdicts"][e.keys["verdicts"]]["verifier"]
            assert verifier["mathlib_commit"] == "2f65ba7f1a9144b20c8e7358513548e317d26de1"
            assert (verifier["proof_timeout_s"], verifier["repl_memory_mb"]) == (150, 16000)
    assert kinds == {"gsm8k": 10, "math": 10, "codecontests": 3, "minif2f": 2, "swebench": 3}


def test_swebench_attempts_sampled_or_imported():
    config = load()
    config["tasks"]["swe"] = {"kind": "swebench", "source": {"local": "data/swebench/lite_test.jsonl"}}
    sampling = {"temperature": 0.8, "top_p": 0.95, "max_tokens": 1024, "n_samples": 250, "chunk_size": 25}
    config["experiments"]["swe-sampled"] = {"task": "swe", "model": "smollm2-135m-instruct", "sampling": sampling}
    config["experiments"]["swe-agent"] = {
        "task": "swe", "attempts": {"path": "data/swebench/lite_test.jsonl", "n_attempts": 250, "chunk_size": 50},
    }
    config["figures"]["swe-cost"] = {"kind": "cost", "experiments": ["swe-sampled"]}
    config["figures"]["swe-coverage"] = {"experiments": ["swe-sampled", "swe-agent"]}
    validate(config, str(REPO / "config" / "schema.yaml"))
    plan = Plan(config)
    sampled, agent = plan.experiments["swe-sampled"], plan.experiments["swe-agent"]
    assert sampled.keys["tokens"] and sampled.n_chunks == 10  # the cost figure reads token counts of sampled attempts
    assert agent.n_chunks == 5 and "tokens" not in agent.keys and "samples" not in agent.keys
    verdicts = agent.keys["verdicts"]
    assert plan.inputs("verdicts", verdicts, 4)["samples"] == f"cache/attempts/{agent.keys['attempts']}/chunk4.parquet"
    assert plan.inputs("verdicts", sampled.keys["verdicts"], 0)["samples"] == (
        f"cache/samples/{sampled.keys['samples']}/chunk0.parquet")
    config["figures"]["swe-cost"]["experiments"] = ["swe-agent"]
    with pytest.raises(PlanError, match="needs sampled experiments; 'swe-agent' is attempts and has no tokens"):
        Plan(config)
