"""MATH-500 (Lightman et al. 2023): the 500 MATH test problems of OpenAI's PRM800K split, the
common yardstick for reasoning models. Same prompt and judging as MATH (Minerva 4-shot, math-verify);
the rows differ: the gold answer is a field, the level an integer, the subject names the type.

This module is the worked example of "Adding a task kind" in the README: a kind that reuses another
kind's prompt and verifier only overrides what differs.
"""

from __future__ import annotations

from monkeys.tasks.base import register
from monkeys.tasks.competition_math import CompetitionMath


@register("math500")
class Math500(CompetitionMath):
    def normalize(self, row: dict) -> dict:
        metadata = {"level": f"Level {row['level']}", "subject": row["subject"], "unique_id": row["unique_id"]}
        return {"question": row["problem"], "gold": row["answer"], "metadata": metadata}
