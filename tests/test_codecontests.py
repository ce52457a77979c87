"""The CodeContests task: prompts, program extraction, the output checker, and judging the shipped
problems' reference solutions in the sandbox (and through `monkeys.verdicts`)."""

import json

import pandas as pd
import pytest

from conftest import REPO
from monkeys.problems import download
from monkeys.tasks import Judgement, PromptOptions, task_kind
from monkeys.tasks.codecontests import INSTRUCTION, CodeContestsOptions, float_tolerance, limits_for
from monkeys.tasks.codecontests.checker import outputs_match
from monkeys.tasks.codecontests.sandbox import sandbox_unavailable
from monkeys.verdicts import verify

cc = task_kind("codecontests")

needs_sandbox = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")
ROWS = [json.loads(line) for line in (REPO / "data/codecontests/problems.jsonl").read_text().splitlines()]
OPTIONS = CodeContestsOptions()


def test_shipped_problems_are_complete():
    assert len(ROWS) == 41
    for row in ROWS:
        assert len(row["tests"]["input"]) == len(row["tests"]["output"]) >= 9
        assert row["description"] and row["solutions"]["solution"][0].strip()


def test_hub_rows_merge_test_kinds_and_keep_limits():
    row = {
        "name": "1_A. Theatre Square", "description": "Print the answer with absolute or relative error at most 10^{-6}.",
        "public_tests": {"input": ["1\n"], "output": ["1\n"]}, "private_tests": {"input": ["2\n"], "output": ["2\n"]},
        "generated_tests": {"input": ["3\n"], "output": ["3\n"]},
        "time_limit": {"seconds": 1, "nanos": 500_000_000}, "memory_limit_bytes": 64 << 20, "cf_index": "A",
    }
    problem = cc.normalize(row)
    gold = cc.parse_gold(problem["gold"])
    assert gold["inputs"] == ["1\n", "2\n", "3\n"] and gold["time_limit_s"] == 1.5 and gold["memory_mb"] == 64
    assert gold["float_tolerance"] == 1e-6
    limits = limits_for(gold, CodeContestsOptions(time_scale=2.0))
    assert (limits.cpu_s, limits.memory_mb) == (3.0, 64)
    assert problem["metadata"] == {"name": "1_A. Theatre Square", "index": "A", "tests": 3}


def test_shipped_rows_use_the_configured_default_limits():
    gold = cc.parse_gold(cc.normalize(ROWS[0])["gold"])
    assert gold["time_limit_s"] is None and limits_for(gold, OPTIONS).cpu_s == OPTIONS.time_limit_s


def test_prompt_ends_inside_a_python_fence():
    shots = [cc.shot(ROWS[0])]
    prompt = cc.build_prompt("Add two numbers.", {}, shots, PromptOptions())
    assert prompt.endswith("Problem:\nAdd two numbers.\n\n" + INSTRUCTION + "\n```python\n")
    assert ROWS[0]["solutions"]["solution"][0].strip() in prompt and prompt.count("```python") == 2


@pytest.mark.parametrize(
    "completion, program",
    [
        ("n = int(input())\nprint(n)\n", "n = int(input())\nprint(n)"),
        ("Here it is:\n```python\nprint(1)\n```\nDone.", "print(1)"),
        ("```py\nprint(2)\n```", "print(2)"),
        ("```\nprint(3)", "print(3)"),
        ("", None),
        ("\n  \n", None),
    ],
)
def test_program_extraction(completion, program):
    extracted = cc.extract_answer(completion)
    assert (extracted and extracted[0]) == program


@pytest.mark.parametrize(
    "actual, expected, tolerance, any_case, match",
    [
        ("1 2\n3\n", "1 2 3", None, False, True),
        ("1  2 \r\n3", "1 2\n3\n", None, False, True),
        ("1 2", "1 2 3", None, False, False),
        ("YES", "yes", None, False, False),
        ("YES", "yes", None, True, True),
        ("0.3333333", "0.333333333", 1e-6, False, True),
        ("0.3334", "0.333333333", 1e-6, False, False),
        ("1000000.5", "1000000.0", 1e-6, False, True),
        ("nan", "0.5", 1e-6, False, False),
        ("abc", "0.5", 1e-6, False, False),
    ],
)
def test_output_checker(actual, expected, tolerance, any_case, match):
    assert outputs_match(actual, expected, tolerance, any_case) is match


def test_statement_flags():
    assert float_tolerance("Your answer is accepted if its absolute or relative error does not exceed 10^{-9}.") == 1e-9
    assert float_tolerance("Print an integer.") is None
    for statement, any_case in [("Print YES in any case.", True), ("Print YES or NO.", False)]:
        assert json.loads(cc.normalize({**ROWS[0], "description": statement})["gold"])["any_case"] is any_case


@needs_sandbox
def test_reference_solutions_pass_and_a_wrong_solution_fails():
    for row in ROWS[:12]:
        gold = cc.parse_gold(cc.normalize(row)["gold"])
        assert cc.judge(row["solutions"]["solution"][0], gold, OPTIONS) == Judgement(True, "passed"), row["name"]
        assert cc.judge("print(0)", gold, OPTIONS) == Judgement(False, "wrong answer"), row["name"]


@needs_sandbox
def test_verify_judges_each_distinct_program_once_and_memoizes(tmp_path, monkeypatch):
    spec = {"kind": "codecontests", "source": {"local": str(REPO / "data/codecontests/problems.jsonl")}, "subset": {"size": 2, "seed": 0}}
    problems = download(spec)
    by_name = {row["name"]: row["solutions"]["solution"][0] for row in ROWS}
    names = [json.loads(m)["name"] for m in problems["metadata"]]
    right = [by_name[n] for n in names]
    texts = [right[0], right[0], "```python\nprint(0)\n```", "Sorry, I cannot do that.", right[1] + "\n", "while True: pass"]
    pids = [problems["problem_id"][i] for i in (0, 0, 0, 0, 1, 1)]
    samples = pd.DataFrame({"problem_id": pids, "sample_idx": range(6), "text": texts})
    calls = []
    judge = cc.judge
    monkeypatch.setattr(cc, "judge", lambda *args: calls.append(args[0]) or judge(*args))
    verifier = {"kind": "codecontests", "version": cc.verifier_version, "time_limit_s": 1}
    verdicts = verify(samples, problems, verifier, threads=2, memo=str(tmp_path))
    assert verdicts["reason"].tolist() == ["passed", "passed", "wrong answer", "runtime error", "passed", "time limit"]
    assert verdicts["correct"].tolist() == [True, True, False, False, True, False]
    assert len(calls) == 5  # the duplicate program ran once; prose is a (failing) program too
    again = verify(samples, problems, verifier, threads=2, memo=str(tmp_path))
    assert again.equals(verdicts) and len(calls) == 5  # every judgement came from the memo
    assert verify(samples.iloc[[3]].assign(text=[""]), problems, verifier)["reason"].tolist() == ["no code"]
