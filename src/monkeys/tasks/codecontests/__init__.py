"""CodeContests (Li et al. 2022): competitive programming, judged by running the program on tests.

Prompt as in the paper: the problem statement and a request for a Python 3 program reading
standard input and writing standard output (optionally after solved examples). The prompt opens a
```python fence, so the completion is the program; a completion that opens its own fence is cut
to the fenced block. A program passes when it passes every test (public, private, then generated)
within the problem's limits; judging stops at the first failing test. Outputs are compared by
`checker` (token by token; case-insensitively where the statement allows any case, with a float
tolerance where it gives one). Programs run in `sandbox`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from monkeys.tasks.base import Judgement, PromptOptions, Task, VerifierOptions, register
from monkeys.tasks.codecontests.checker import outputs_match
from monkeys.tasks.codecontests.sandbox import Limits, SandboxUnavailable, run_tests, sandbox_unavailable

# Reasons a program fails, in the order the judge meets them; "passed" when it does not.
REASONS = ["no code", "runtime error", "time limit", "memory limit", "output limit", "wrong answer"]

INSTRUCTION = "Write a Python 3 program that solves the problem. Read from standard input and write to standard output."
_FENCED = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)(?:\n```|\Z)", re.S | re.I)
_TOLERANCE = re.compile(r"(?:absolute|relative)[^.]{0,80}?(?:error|precision)[^.]{0,80}?10\s*\^\s*\{?\s*-\s*(\d+)", re.I)
_ANY_CASE = re.compile(r"in any case|any letter case|(?:upper|lower)\s*case or (?:upper|lower)\s*case", re.I)


@dataclass(frozen=True)
class CodeContestsOptions(VerifierOptions):
    time_limit_s: float = 2.0  # CPU seconds per test where the problem states no limit
    time_scale: float = 1.0  # multiplies every time limit (slow machines)
    test_memory_mb: int = 256  # memory per test where the problem states no limit
    output_mb: int = 64  # stdout size limit
    processes: int = 64  # process limit inside the sandbox
    wall_factor: float = 3.0  # wall-clock backstop as a multiple of the CPU limit
    disk_mb: int = 64  # size of the program's private /tmp


def _index(name: str) -> str | None:
    """The Codeforces problem index (A, B, C1, ...) in a name like `1141_A. Game 23`."""
    match = re.match(r"\d+_([A-Z]\d?)\.", name)
    return match.group(1) if match else None


def _merge_tests(row: dict) -> dict:
    kinds = [row[k] for k in ("public_tests", "private_tests", "generated_tests") if row.get(k)]
    return {"input": [x for t in kinds for x in t["input"]], "output": [x for t in kinds for x in t["output"]]}


def float_tolerance(statement: str) -> float | None:
    match = _TOLERANCE.search(statement)
    return 10.0 ** -int(match.group(1)) if match else None


def limits_for(gold: dict, options: CodeContestsOptions) -> Limits:
    """The problem's own limits where it has them, else the configured defaults."""
    return Limits(
        cpu_s=(gold["time_limit_s"] or options.time_limit_s) * options.time_scale,
        memory_mb=gold["memory_mb"] or options.test_memory_mb,
        output_mb=options.output_mb,
        processes=options.processes,
        wall_factor=options.wall_factor,
        disk_mb=options.disk_mb,
    )


@register("codecontests")
class CodeContests(Task):
    stop = ("\n```",)
    # 2: bubblewrap sandbox, all processes accounted, ASCII-whitespace tokens (1 had false passes)
    verifier_version = "2"
    verifier_options = CodeContestsOptions
    no_answer = "no code"
    expensive = True

    def normalize(self, row: dict) -> dict:
        """A hub row (public/private/generated tests, limits) or a shipped row (merged `tests`)."""
        tests = row.get("tests") or _merge_tests(row)
        limit = row.get("time_limit")
        statement = row["description"]
        gold = {
            "inputs": tests["input"],
            "outputs": tests["output"],
            "time_limit_s": limit["seconds"] + limit["nanos"] / 1e9 if limit else None,
            "memory_mb": row["memory_limit_bytes"] >> 20 if row.get("memory_limit_bytes") else None,
            "float_tolerance": float_tolerance(statement),
            "any_case": bool(_ANY_CASE.search(statement)),
        }
        metadata = {"name": row["name"], "index": row.get("cf_index") or _index(row["name"]), "tests": len(tests["input"])}
        return {"question": statement, "gold": json.dumps(gold), "metadata": metadata}

    def shot(self, row: dict) -> dict:
        """A solved example: the statement and its first Python 3 solution."""
        solutions = row["solutions"]
        python = [s for lang, s in zip(solutions["language"], solutions["solution"]) if str(lang) in ("3", "PYTHON3")]
        if not python:
            raise ValueError(f"few-shot problem {row['name']!r} has no Python 3 solution")
        return {"question": row["description"], "answer": python[0].strip()}

    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: PromptOptions) -> str:
        parts = [f"Problem:\n{s['question']}\n\n{INSTRUCTION}\n```python\n{s['answer']}\n```" for s in shots]
        return "\n\n".join([*parts, f"Problem:\n{question}\n\n{INSTRUCTION}\n```python\n"])

    def parse_gold(self, gold: str) -> dict:
        return json.loads(gold)

    def extract_answer(self, text: str) -> tuple[str, str] | None:
        """The program: the first fenced block if the completion has one, else the completion itself."""
        fenced = _FENCED.search(text)
        program = (fenced.group(1) if fenced else text).strip("\n")
        return (program, program) if program.strip() else None

    def preflight(self, options: CodeContestsOptions) -> None:
        if why := sandbox_unavailable():
            raise SandboxUnavailable(f"cannot run programs safely: {why}")

    def judge(self, program: str, gold: dict, options: CodeContestsOptions) -> Judgement:
        """Whether one program passes one problem's tests, in the sandbox."""
        result = run_tests(
            program,
            gold["inputs"],
            lambda i, out: outputs_match(out, gold["outputs"][i], gold["float_tolerance"], gold["any_case"]),
            limits_for(gold, options),
        )
        return Judgement(result.reason == "passed", result.reason)
