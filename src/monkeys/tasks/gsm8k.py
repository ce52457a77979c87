"""GSM8K (Cobbe et al. 2021): grade-school word problems with a numeric final answer.

Prompt as in the paper: k worked examples from the train split as `Question:`/`Answer:` pairs
(calculator annotations such as `<<3*4=12>>` removed), then the test question. The gold answer is
the number after `####`; a completion is judged by its final number.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

STOP = ["\n\nQuestion:", "Question:"]
VERIFIER_VERSION = "1"

_CALCULATOR = re.compile(r"<<[^>]*>>")
_NUMBER = re.compile(r"-?[\d,]*\.?\d+")
_FINAL = re.compile(r"####\s*(.*)")


def normalize(row: dict) -> dict:
    """One dataset row as (question, gold, metadata)."""
    return {"question": row["question"], "gold": gold_answer(row["answer"]), "metadata": {}}


def gold_answer(answer: str) -> str:
    return answer.split("####")[-1].strip().replace(",", "")


def shot(row: dict) -> dict:
    return {"question": row["question"], "answer": _CALCULATOR.sub("", row["answer"]).strip()}


def build_prompt(question: str, shots: list[dict]) -> str:
    parts = [f"Question: {s['question']}\nAnswer: {s['answer']}" for s in shots]
    return "\n\n".join([*parts, f"Question: {question}\nAnswer:"])


def parse_gold(gold: str) -> Decimal:
    return Decimal(gold)


def extract_answer(text: str) -> tuple[str, Decimal] | None:
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


def is_correct(value: Decimal, gold: Decimal) -> bool:
    return value == gold
