import re

import pytest

from conftest import DATA, read_jsonl
from monkeys.tasks import PromptOptions, VerifierOptions, task_kind

gsm8k = task_kind("gsm8k")


def judge(text: str, gold: str) -> bool:
    extracted = gsm8k.extract_answer(text)
    return extracted is not None and gsm8k.judge(extracted[1], gsm8k.parse_gold(gold), VerifierOptions()).correct


@pytest.mark.parametrize("split", ["test", "train"])
def test_every_gold_solution_verifies_and_perturbed_answers_do_not(split):
    rows = read_jsonl(DATA / "gsm8k" / f"{split}.jsonl")
    assert len(rows) == {"test": 1319, "train": 7473}[split]
    for row in rows:
        gold = gsm8k.normalize(row)["gold"]
        solution = gsm8k.shot(row)["answer"]  # the reference solution as a prompt shows it
        assert judge(solution, gold), row["answer"]
        value = gsm8k.parse_gold(gold)
        perturbed = re.sub(r"####.*", f"#### {value + 1}", solution)
        assert not judge(perturbed, gold)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("She pays 3 * 4 = 12 dollars.\n#### 12", "12"),
        ("#### 1,234", "1234"),
        ("#### $18.", "18"),
        ("The answer is -7 apples", "-7"),
        ("first 3 then 4.5", "4.5"),
        ("#### 5\n\nlater text 99", "5"),
        ("no digits here", None),
    ],
)
def test_extract_answer(text, expected):
    got = gsm8k.extract_answer(text)
    assert (got[0] if got else None) == expected


def test_numeric_equivalence():
    assert judge("#### 18.00", "18")
    assert judge("#### 1,000", "1000")
    assert not judge("#### 180", "18")


def test_prompt_has_shots_then_question():
    rows = read_jsonl(DATA / "gsm8k" / "train.jsonl")[:2]
    prompt = gsm8k.build_prompt("How many?", {}, [gsm8k.shot(r) for r in rows], PromptOptions())
    assert prompt.count("Question:") == 3 and prompt.endswith("Question: How many?\nAnswer:")
    assert "<<" not in prompt  # calculator annotations removed
