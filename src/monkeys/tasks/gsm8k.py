"""GSM8K (Cobbe et al. 2021): grade-school word problems with a numeric final answer.

Prompt as in the paper: k worked examples from the train split as `Question:`/`Answer:` pairs
(calculator annotations such as `<<3*4=12>>` removed), then the test question. The gold answer is
the number after `####`; a completion is judged by its final number.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from monkeys.tasks.base import Judgement, PromptOptions, Task, VerifierOptions, register

_CALCULATOR = re.compile(r"<<[^>]*>>")
_NUMBER = re.compile(r"-?[\d,]*\.?\d+")
_FINAL = re.compile(r"####\s*(.*)")


def gold_answer(answer: str) -> str:
    return answer.split("####")[-1].strip().replace(",", "")


@register("gsm8k")
class GSM8K(Task):
    stop = ("\n\nQuestion:", "Question:")
    verifier_version = "1"

    def normalize(self, row: dict) -> dict:
        return {"question": row["question"], "gold": gold_answer(row["answer"]), "metadata": {}}

    def shot(self, row: dict) -> dict:
        return {"question": row["question"], "answer": _CALCULATOR.sub("", row["answer"]).strip()}

    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: PromptOptions) -> str:
        parts = [f"Question: {s['question']}\nAnswer: {s['answer']}" for s in shots]
        return "\n\n".join([*parts, f"Question: {question}\nAnswer:"])

    def parse_gold(self, gold: str) -> Decimal:
        return Decimal(gold)

    def extract_answer(self, text: str) -> tuple[str, Decimal] | None:
        """The number after the last `####`, else the last number in the text."""
        finals = _FINAL.findall(text)
        scope = finals[-1] if finals else text
        numbers = _NUMBER.findall(scope)
        if not numbers:
            return None
        number = numbers[0 if finals else -1].replace(",", "")
        try:
            return number, Decimal(number)
        except InvalidOperation:
            return None

    def judge(self, value: Decimal, gold: Decimal, options: VerifierOptions) -> Judgement:
        correct = value == gold
        return Judgement(correct, "correct" if correct else "wrong")
