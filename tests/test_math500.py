"""MATH-500, the README's worked example of adding a task kind: one module, shipped data, and the
whole contract inherited from MATH (prompt, math-verify judging)."""

import json

import pytest
import yaml
from snakemake.utils import validate

from conftest import REPO
from monkeys.plan import Plan
from monkeys.problems import download
from monkeys.tasks import task_kind
from monkeys.verdicts import verify

SOURCE = {"local": str(REPO / "data/math500/test.jsonl")}


def test_rows_become_problems_with_the_minerva_prompt():
    problems = download({"kind": "math500", "source": SOURCE, "subset": {"size": 5, "seed": 0, "where": {"level": ["Level 1"]}},
                         "few_shot": {"source": {"builtin": "minerva_math_4shot"}, "num": 4, "seed": None}})
    assert len(problems) == 5
    for prompt, metadata in zip(problems["prompt"], problems["metadata"]):
        assert prompt.count("Problem:\n") == 5 and prompt.endswith("\n\nSolution:")
        assert json.loads(metadata)["level"] == "Level 1"


@pytest.mark.slow
def test_every_reference_solution_verifies_against_its_answer():
    problems = download({"kind": "math500", "source": SOURCE})
    rows = [json.loads(line) for line in (REPO / "data/math500/test.jsonl").open()]
    assert len(problems) == len(rows) == 500
    solutions = {task_kind("math500").normalize(r)["question"]: r["solution"] for r in rows}
    samples = problems[["problem_id"]].assign(sample_idx=0, text=[solutions[q] for q in problems["question"]])
    verdicts = verify(samples, problems, {"kind": "math500", "timeout_s": 10})
    assert verdicts["correct"].mean() >= 0.99, verdicts["reason"].value_counts()


def test_a_config_can_use_the_new_kind(monkeypatch):
    monkeypatch.chdir(REPO)
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    config["tasks"]["math500"] = {"kind": "math500", "source": {"local": "data/math500/test.jsonl"}, "subset": {"size": 8}}
    config["experiments"]["math500-smollm2"] = {**config["experiments"]["math-smollm2"], "task": "math500"}
    validate(config, str(REPO / "config/schema.yaml"))
    keys = Plan(config).experiments["math500-smollm2"].keys
    assert {"problems", "samples", "verdicts", "coverage", "fits"} <= set(keys)
