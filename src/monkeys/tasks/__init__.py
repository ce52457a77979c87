"""Task kinds: how a benchmark's rows become prompts and how a completion is judged.

Each kind is a module with the same small interface:
`normalize(row)` -> {question, gold, metadata}; `shot(row)` -> {question, answer} for few-shot
examples; `build_prompt(question, shots)`; `STOP` sequences; `parse_gold(gold)`;
`extract_answer(text)` -> (canonical string, value) or None; `is_correct(value, parsed_gold)`;
`VERIFIER_VERSION`, bumped whenever judging changes so cached verdicts are recomputed.
Kinds whose judging is expensive define `judge(answer, gold, options)` instead of `is_correct`
(see `monkeys.verify`), with `VERIFIER_DEFAULTS` for their options and `NO_ANSWER` for the reason
given when nothing could be extracted. A kind whose prompt needs more than the question defines
`prompt_context(question, metadata, options)` (options: the task's `prompt` config), passed to
`build_prompt` as a third argument.
"""

from __future__ import annotations

from types import ModuleType

from monkeys.tasks import codecontests, competition_math, gsm8k, minif2f, swebench

TASK_KINDS: dict[str, ModuleType] = {"gsm8k": gsm8k, "math": competition_math, "codecontests": codecontests, "minif2f": minif2f, "swebench": swebench}


def task_kind(kind: str) -> ModuleType:
    try:
        return TASK_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown task kind {kind!r}; known: {sorted(TASK_KINDS)}") from None
