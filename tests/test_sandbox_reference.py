"""Every shipped CodeContests reference solution still passes in the sandbox (and a wrong one
fails), judged the way the task judges; and the output checker splits tokens as testlib does."""

import json

import pytest

from conftest import REPO
from monkeys.tasks import task_kind
from monkeys.tasks.codecontests.checker import outputs_match
from monkeys.tasks.codecontests.sandbox import sandbox_unavailable

ROWS = [json.loads(line) for line in (REPO / "data/codecontests/problems.jsonl").read_text().splitlines()]
needs_sandbox = pytest.mark.skipif(bool(sandbox_unavailable()), reason=f"no sandbox here: {sandbox_unavailable()}")


@needs_sandbox
@pytest.mark.parametrize("row", ROWS, ids=[row["name"] for row in ROWS])
def test_reference_solution_passes_and_a_wrong_one_fails(row):
    task = task_kind("codecontests")
    options = task.verifier_options()
    gold = task.parse_gold(task.normalize(row)["gold"])
    judgement = task.judge(row["solutions"]["solution"][0], gold, options)
    assert (judgement.correct, judgement.reason) == (True, "passed"), row["name"]
    assert task.judge("print(0)", gold, options).reason == "wrong answer"


def test_there_are_41_shipped_problems():
    assert len(ROWS) == 41


@pytest.mark.parametrize(
    "actual, expected, tolerance, any_case, match",
    [
        ("1 2\n3\n", "1 2 3", None, False, True),
        ("1\t2\r\n3", "1 2 3", None, False, True),
        # testlib's blanks are space, tab, CR and LF only
        ("1\u00a02", "1 2", None, False, False),
        ("1\u20032", "1 2", None, False, False),
        ("1\x1c2", "1 2", None, False, False),
        ("1\x0b2", "1 2", None, False, False),
        ("1\x0c2", "1 2", None, False, False),
        ("1\u00852", "1 2", None, False, False),
        ("YES\u00a0", "YES", None, False, False),
        ("YES", "yes", None, True, True),
        ("YES", "yes", None, False, False),
        # numbers with a tolerance: plain ASCII decimal notation only
        ("0.3333333", "0.333333333", 1e-6, False, True),
        ("1e-7", "0", 1e-6, False, True),
        ("1_0", "10", 1e-6, False, False),
        ("\u0661\u0660", "10", 1e-6, False, False),
        ("nan", "0.5", 1e-6, False, False),
        ("inf", "1e400", 1e-6, False, False),
        ("0x10", "16", 1e-6, False, False),
    ],
)
def test_output_checker(actual, expected, tolerance, any_case, match):
    assert outputs_match(actual, expected, tolerance, any_case) is match
