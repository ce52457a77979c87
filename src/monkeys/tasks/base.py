"""The contract every task kind fulfils, and the registry that finds the kinds.

A task kind turns a benchmark's rows into prompts and judges completions. It is a `Task` subclass
decorated with `@register("name")` in a module (or package, when it brings infrastructure such as a
sandbox or a proof checker) under `monkeys.tasks`; the package is scanned on import, so adding a
kind touches no list. Everything a kind can be configured with is a typed dataclass:
`VerifierOptions` for judging (config `tasks.<name>.verifier`, per-experiment overrides) and
`PromptOptions` for building prompts (config `tasks.<name>.prompt`). Their field defaults are the
only defaults of those options.

Judging: `extract_answer` pulls a canonical answer out of a completion; `judge` decides it against
the parsed gold and returns a `Judgement`. A judgement that says nothing about the answer (the
verifier broke on it) is `cacheable=False`: it is never memoized. `preflight(options)` runs before
any work in every verify job and raises `VerifierUnavailable` with the setup instruction when this
machine lacks (or has the wrong version of) what judging needs: a missing backend stops the job,
it never becomes verdicts.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from monkeys.errors import PlanError
from monkeys.registry import Registry


@dataclass(frozen=True)
class Judgement:
    correct: bool
    reason: str
    # False when the verdict reflects the verifier, not the answer (a crash): never memoized.
    cacheable: bool = True


@dataclass(frozen=True)
class VerifierOptions:
    """Options of every verifier; kinds extend this with their own fields."""

    timeout_s: float = 5  # wall clock for one answer extraction or cheap equivalence check


@dataclass(frozen=True)
class PromptOptions:
    """Options of every prompt builder (none); kinds extend this with their own fields."""


@dataclass(frozen=True)
class AttemptFields:
    """Where an imported attempt (JSONL record) names its problem and holds its text; the first
    name present wins."""

    problem: tuple[str, ...] = ("problem_id",)
    text: tuple[str, ...] = ("text",)


class Task(ABC):
    """One task kind. Instances are stateless; the registry holds one per kind."""

    kind: ClassVar[str]  # the config's `kind:`, set by @register
    stop: ClassVar[tuple[str, ...]]  # stop sequences for sampling
    # Bump whenever judging changes: cached verdicts are then recomputed.
    verifier_version: ClassVar[str]
    verifier_options: ClassVar[type[VerifierOptions]] = VerifierOptions
    prompt_options: ClassVar[type[PromptOptions]] = PromptOptions
    no_answer: ClassVar[str] = "no answer"  # the reason when nothing can be extracted
    # Expensive judging (running programs, checking proofs) runs on the verify job's threads and is
    # memoized on disk; cheap judging runs inline under a time limit.
    expensive: ClassVar[bool] = False
    takes_few_shot: ClassVar[bool] = True
    attempt_fields: ClassVar[AttemptFields] = AttemptFields()

    @abstractmethod
    def normalize(self, row: dict) -> dict:
        """A dataset row as {question, gold (a string), metadata (a JSON-able dict)}."""

    def shot(self, row: dict) -> dict:
        """A few-shot example {question, answer} from a row of the few-shot source."""
        raise PlanError(f"task kind {self.kind!r} takes no few-shot examples")

    @abstractmethod
    def build_prompt(self, question: str, metadata: dict, shots: list[dict], options: PromptOptions) -> str: ...

    def parse_gold(self, gold: str) -> Any:
        return gold

    @abstractmethod
    def extract_answer(self, text: str) -> tuple[str, Any] | None:
        """(canonical string, value) of the completion's answer, or None when it has none."""

    @abstractmethod
    def judge(self, value: Any, gold: Any, options: VerifierOptions) -> Judgement: ...

    def preflight(self, options: VerifierOptions) -> None:
        """Raise `VerifierUnavailable` (with the fix) when judging cannot run correctly here."""


TASK_KINDS: Registry[Task] = Registry("task kind")


def register(kind: str):
    """Class decorator: make a `Task` subclass available as `kind:` in configs."""

    def add(cls: type[Task]) -> type[Task]:
        cls.kind = kind
        TASK_KINDS.add(kind, cls())
        return cls

    return add


def task_kind(kind: str) -> Task:
    return TASK_KINDS[kind]


def options_from(cls: type, values: dict, where: str):
    """A typed options dataclass from config values, with errors that name the bad key."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise PlanError(f"{where}: unknown option(s) {unknown}; known: {sorted(fields)}")
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        if not _has_type(value, hints[name]):
            raise PlanError(f"{where}: option {name!r} must be {hints[name]}, got {value!r}")
    return cls(**{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()})


def _has_type(value, hint) -> bool:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_has_type(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if typing.get_origin(hint) is tuple:
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def options_dict(options) -> dict:
    """Options as JSON-able values (for specs and hashes)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(options).items()}
