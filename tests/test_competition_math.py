import pandas as pd
import pytest

from conftest import DATA, read_jsonl
from monkeys.problems import load_rows
from monkeys.tasks import PromptOptions, VerifierOptions, task_kind
from monkeys.tasks.competition_math import last_boxed
from monkeys.verdicts import verify

math_task = task_kind("math")


def test_last_boxed_balances_braces():
    assert last_boxed(r"so $\boxed{\frac{1}{2}}$ and then \boxed{x^{2}}.") == "x^{2}"
    assert last_boxed(r"\fbox{7}") == "7"
    assert last_boxed("no box") is None
    assert last_boxed(r"\boxed{unclosed") is None


def test_minerva_prompt_format():
    shots = [math_task.shot(r) for r in load_rows({"builtin": "minerva_math_4shot"})]
    prompt = math_task.build_prompt("What is $1+1$?", {}, shots, PromptOptions())
    assert prompt.count("Problem:\n") == 5 and prompt.endswith("Problem:\nWhat is $1+1$?\n\nSolution:")
    assert prompt.count("I hope it is correct.") == 4


@pytest.mark.parametrize(
    "completion,gold,correct",
    [
        (r"... Final Answer: The final answer is $\frac{1}{2}$.", r"\frac12", True),
        (r"so the answer is $\boxed{0.5}$", r"\frac{1}{2}", True),
        (r"Final Answer: The final answer is $[2,5)$.", "[2,5)", True),
        (r"Final Answer: The final answer is $(2,5]$.", "[2,5)", False),
        (r"Final Answer: The final answer is $x = 3$.", "3", True),
        (r"Final Answer: The final answer is $4$.", "3", False),
    ],
)
def test_equivalence(completion, gold, correct):
    extracted = math_task.extract_answer(completion)
    assert extracted is not None
    assert math_task.judge(extracted[1], math_task.parse_gold(gold), VerifierOptions()).correct is correct


@pytest.mark.slow
def test_gold_solutions_of_all_5000_test_problems_verify():
    """The reference solution of every MATH test problem, judged against its own boxed answer.

    A perturbed answer (the boxed content with `+1` appended) must be rejected.
    """
    rows = read_jsonl(DATA / "math" / "test.jsonl")
    assert len(rows) == 5000
    problems = pd.DataFrame([{"problem_id": str(i), "gold": math_task.normalize(r)["gold"]} for i, r in enumerate(rows)])
    solutions = pd.DataFrame({"problem_id": problems["problem_id"], "sample_idx": 0, "text": [r["solution"] for r in rows]})
    verdicts = verify(solutions, problems, {"kind": "math", "timeout_s": 10})
    rate = verdicts["correct"].mean()
    print(f"gold solutions verified: {verdicts['correct'].sum()}/5000 = {rate:.4f}; reasons: {verdicts['reason'].value_counts().to_dict()}")
    assert rate >= 0.995

    perturbed = solutions.assign(text=[f"Final Answer: The final answer is ${g}+1$." for g in problems["gold"]])
    rejected = 1 - verify(perturbed, problems, {"kind": "math", "timeout_s": 10})["correct"].mean()
    print(f"perturbed answers rejected: {rejected:.4f}")
    assert rejected >= 0.995
