"""Attempts made elsewhere (an agent's SWE-bench predictions, say), entering at the verify step.

The file is JSONL: each record names its problem and holds the attempt's text in the fields the
task kind declares (`Task.attempt_fields`: for SWE-bench `instance_id` or `problem_id`, and
`model_patch` or `text`), and optionally `attempt` (its index; else attempts count up per problem
in file order).
Chunk c holds attempts c*chunk_size ... (c+1)*chunk_size-1 of every problem, as sampled chunks do.
"""

from __future__ import annotations

import json

import pandas as pd

from monkeys.samples import SAMPLE_COLUMNS
from monkeys.tasks.base import AttemptFields


def _first(record: dict, names: tuple[str, ...]):
    return next((record[name] for name in names if name in record), None)


def read_attempts(path: str, problems: pd.DataFrame, fields: AttemptFields) -> pd.DataFrame:
    """problem_id, sample_idx, text for every attempt; problems must cover every row's id.
    A record's problem field holds the problem id or the metadata value of that name."""
    ids = {pid: pid for pid in problems["problem_id"]}
    for pid, metadata in zip(problems["problem_id"], problems["metadata"]):
        values = json.loads(metadata)
        ids.update({values[name]: pid for name in fields.problem if name in values})
    rows, unknown, next_index = [], set(), {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            record = json.loads(line)
            key = _first(record, fields.problem)
            if key not in ids:
                unknown.add(key)
                continue
            pid = ids[key]
            index = record.get("attempt", next_index.get(pid, 0))
            next_index[pid] = index + 1
            text = _first(record, fields.text)
            rows.append((pid, int(index), "" if text is None else text))
    table = pd.DataFrame(rows, columns=["problem_id", "sample_idx", "text"])
    if unknown:
        print(f"skipped attempts at {len(unknown)} problems outside the task's subset, e.g. {sorted(map(str, unknown))[:3]}")
    duplicated = table.duplicated(["problem_id", "sample_idx"])
    if duplicated.any():
        raise ValueError(f"{path}: attempt index given twice, e.g. {table[duplicated].iloc[0].tolist()[:2]}")
    return table


def import_attempts(path: str, problems: pd.DataFrame, chunk: int, chunk_size: int, fields: AttemptFields) -> pd.DataFrame:
    """One chunk of attempts in the samples table's layout (no token counts: they were not ours)."""
    attempts = read_attempts(path, problems, fields)
    lo, hi = chunk * chunk_size, (chunk + 1) * chunk_size
    counts = attempts[attempts["sample_idx"] < hi].groupby("problem_id").size()
    short = [pid for pid in problems["problem_id"] if counts.get(pid, 0) < hi]
    if short:
        have = int(counts.reindex(problems["problem_id"]).fillna(0).min())
        raise ValueError(f"{path}: chunk {chunk} needs attempts {lo}..{hi - 1} of every problem; "
                         f"{len(short)} problem(s) have fewer (as few as {have}): lower `attempts.n_attempts`")
    chunk_rows = attempts[(attempts["sample_idx"] >= lo) & (attempts["sample_idx"] < hi)]
    chunk_rows = chunk_rows.sort_values(["problem_id", "sample_idx"]).reset_index(drop=True)
    return chunk_rows.assign(num_prompt_tokens=0, num_output_tokens=0, finish_reason="imported")[SAMPLE_COLUMNS]
