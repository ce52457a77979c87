"""MATH (Hendrycks et al. 2021): competition problems with LaTeX answers.

Prompt as in the paper: the fixed 4-shot chain-of-thought prompt of Minerva (Lewkowycz et al. 2022),
whose solutions end with `Final Answer: The final answer is $X$. I hope it is correct.` The gold
answer is the last `\\boxed{...}` of the reference solution. Equivalence is decided by math-verify
(Hugging Face), not by hand-written LaTeX rules.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib import metadata

from monkeys.errors import VerifierUnavailable
from monkeys.tasks.base import Judgement, PromptOptions, Task, VerifierOptions, register

# The pinned math-verify release is part of the verifier's identity (and of envs/verify.yaml).
MATH_VERIFY_VERSION = "0.9.0"


def math_verify_problem() -> str | None:
    """Why math-verify cannot judge here (missing, or not the pinned release), or None."""
    try:
        installed = metadata.version("math-verify")
    except metadata.PackageNotFoundError:
        return f"math-verify is not installed: `pip install math-verify=={MATH_VERIFY_VERSION}`"
    if installed != MATH_VERIFY_VERSION:
        return (f"math-verify {installed} is installed; verdicts are keyed to {MATH_VERIFY_VERSION}: "
                f"`pip install math-verify=={MATH_VERIFY_VERSION}` (or bump MATH_VERIFY_VERSION to re-verify)")
    return None


@cache
def _math_verify():
    if why := math_verify_problem():
        raise VerifierUnavailable(why)
    import math_verify

    # monkeys.verdicts enforces the time limit; silence math-verify's warning that its own is off.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    return math_verify


def last_boxed(text: str) -> str | None:
    """Content of the last `\\boxed{...}` (or `\\fbox{...}`), braces balanced."""
    start = max(text.rfind("\\boxed{"), text.rfind("\\fbox{"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth = 1
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i:j]
    return None


@register("math")
class CompetitionMath(Task):
    stop = ("\n\nProblem:", "Problem:", "I hope it is correct.")
    verifier_version = f"1+math-verify-{MATH_VERIFY_VERSION}"

    def normalize(self, row: dict) -> dict:
        gold = row.get("answer") or last_boxed(row["solution"])
        if gold is None:
            raise ValueError(f"MATH row without a boxed answer: {row['problem'][:80]!r}")
        metadata_ = {key: row[key] for key in ("level", "type", "subject") if key in row}
        return {"question": row["problem"], "gold": gold, "metadata": metadata_}

    def shot(self, row: dict) -> dict:
        return {"question": row["problem"], "answer": row["solution"]}

    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: PromptOptions) -> str:
        parts = [f"Problem:\n{s['question']}\n\nSolution:\n{s['answer']}" for s in shots]
        return "\n\n".join([*parts, f"Problem:\n{question}\n\nSolution:"])

    def preflight(self, options: VerifierOptions) -> None:
        _math_verify()

    def parse_gold(self, gold: str):
        return _math_verify().parse(f"\\boxed{{{gold}}}", parsing_timeout=None, raise_on_error=True)

    def extract_answer(self, text: str):
        """(canonical string, parsed value) of the completion's final answer, or None."""
        parsed = _math_verify().parse(text, parsing_timeout=None, raise_on_error=True)
        if not parsed:
            return None
        return str(parsed[-1]), parsed

    def judge(self, value, gold, options: VerifierOptions) -> Judgement:
        correct = _math_verify().verify(gold, value, timeout_seconds=None, raise_on_error=True)
        return Judgement(bool(correct), "correct" if correct else "wrong")
