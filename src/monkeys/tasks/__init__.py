"""Task kinds: how a benchmark's rows become prompts and how a completion is judged.

The contract is `monkeys.tasks.base.Task`; every module or package in this directory that
registers a kind (`@register("name")`) is imported here, so `task_kind(name)` knows it.
"""

from __future__ import annotations

import importlib
import pkgutil

from monkeys.tasks.base import TASK_KINDS, Judgement, PromptOptions, Task, VerifierOptions, register, task_kind

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TASK_KINDS", "Judgement", "PromptOptions", "Task", "VerifierOptions", "register", "task_kind"]
