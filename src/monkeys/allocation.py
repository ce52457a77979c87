"""Adaptive allocation: which problems a chunk samples, given the verdicts of the chunks before it.

A problem with `stop_after_correct` correct samples in earlier chunks gets no further samples; the
rest are sampled as usual (the chunk keeps its chunk-stable engine seed). Chunk j therefore depends
on the verdicts of chunks 0..j-1, which the workflow declares as the sample job's inputs: the DAG
stays static and content-addressed, chunks are drawn one after another, and a rerun, a resumed run
or a larger `n_samples` reuses every chunk already drawn. Coverage from such chunks needs the
estimator in `monkeys.coverage` (the fixed-n formula is biased under stopping).
"""

from __future__ import annotations

import pandas as pd

from monkeys.samples import SAMPLE_COLUMNS


def active_problems(problems: pd.DataFrame, earlier: list[pd.DataFrame], stop_after_correct: int) -> pd.DataFrame:
    """The problems that still get samples: fewer than `stop_after_correct` correct so far."""
    if not earlier:
        return problems
    verdicts = pd.concat(earlier)
    correct = verdicts.groupby("problem_id")["correct"].sum()
    solved = set(correct[correct >= stop_after_correct].index)
    return problems[~problems["problem_id"].isin(solved)]


def no_samples(logprobs: bool) -> pd.DataFrame:
    """A chunk in which every problem had stopped: the samples table with no rows."""
    columns = [*SAMPLE_COLUMNS, "cumulative_logprob"] if logprobs else SAMPLE_COLUMNS
    types = {"problem_id": str, "sample_idx": "int64", "text": str, "num_prompt_tokens": "int64",
             "num_output_tokens": "int64", "finish_reason": str, "cumulative_logprob": float}
    return pd.DataFrame(columns=columns).astype({c: types[c] for c in columns})
