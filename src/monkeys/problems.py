"""Load a benchmark split and turn it into the normalized problems table.

The Hugging Face Hub is the primary source. When it cannot be reached, a local snapshot (the repo
ships GSM8K and MATH under `data/`) is used instead, with a message saying so; with neither, the
error says how to point the task at a local file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd

from monkeys.tasks import Task, task_kind
from monkeys.tasks.base import options_from

log = logging.getLogger(__name__)

PROBLEM_COLUMNS = ["problem_id", "prompt", "gold", "question", "metadata"]
LOCAL_FORMATS = {".json": "json", ".jsonl": "json", ".parquet": "parquet", ".csv": "csv"}
BUILTIN_DIR = Path(__file__).parent / "tasks"


class DatasetUnavailable(RuntimeError):
    """Neither the hub nor a local snapshot could provide the data."""


def load_rows(source: dict) -> list[dict]:
    """Rows of a data source: `hub` (datasets), else `local` file, else a `builtin` prompt file."""
    failures = []
    if (hub := source.get("hub")) and (offline := hub_unreachable()):
        failures.append(f"hub {hub['path']!r}: {offline}")
        log.warning("not loading %s from the hub: %s; trying the local snapshot", hub["path"], offline)
    elif hub:
        try:
            return _load_hub(hub)
        except Exception as err:  # datasets raises many types for "unreachable" (offline, 404, DNS)
            failures.append(f"hub {hub['path']!r}: {type(err).__name__}: {err}")
            log.warning("could not load %s from the hub (%s); trying the local snapshot", hub["path"], err)
    if local := source.get("local"):
        path = Path(local)
        if path.is_file():
            log.info("loading local snapshot %s", path)
            return _load_local(path)
        failures.append(f"local snapshot {str(path)!r} does not exist")
    if builtin := source.get("builtin"):
        return json.loads((BUILTIN_DIR / f"{builtin}.json").read_text())
    raise DatasetUnavailable(
        "could not load the dataset:\n  "
        + "\n  ".join(failures or ["no source given"])
        + "\nTo run offline, download the split once (e.g. `datasets.load_dataset(...).to_json(PATH)`) and set "
        "`local: PATH` (JSON/JSONL/parquet/CSV) in the task's `source` in your config."
    )


@cache
def hub_unreachable() -> str | None:
    """Why the hub cannot be used, or None. A quick probe spares ~20 s of retries per load offline."""
    for variable in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(variable, "").lower() in ("1", "true", "yes", "on"):
            return f"{variable} is set"
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((endpoint.hostname, endpoint.port or 443), timeout=5).close()
    except OSError as err:
        return f"{endpoint.hostname} is unreachable ({err})"
    return None


def _load_hub(hub: dict) -> list[dict]:
    import datasets

    names = hub.get("name")
    names = names if isinstance(names, list) else [names]
    rows = []
    for name in names:
        split = datasets.load_dataset(hub["path"], name, split=hub["split"], revision=hub.get("revision"))
        rows.extend(split.to_list())
    return rows


def _load_local(path: Path) -> list[dict]:
    import datasets

    try:
        builder = LOCAL_FORMATS[path.suffix]
    except KeyError:
        raise DatasetUnavailable(f"{path}: unsupported format; use one of {sorted(LOCAL_FORMATS)}") from None
    return datasets.load_dataset(builder, data_files=str(path), split="train").to_list()


def problem_id(kind: str, question: str) -> str:
    """Identity from content, so ids agree whichever copy of a dataset was loaded."""
    return f"{kind}-{hashlib.sha256(question.encode()).hexdigest()[:10]}"


def download(spec: dict) -> pd.DataFrame:
    """The problems table of a task spec: subset chosen, prompts built."""
    kind = task_kind(spec["kind"])
    rows = [kind.normalize(row) for row in load_rows(spec["source"])]
    table = pd.DataFrame(rows)
    table.insert(0, "problem_id", [problem_id(spec["kind"], q) for q in table["question"]])
    if table["problem_id"].duplicated().any():
        raise ValueError("duplicate questions in the dataset: problem ids would collide")
    table = select_subset(table, spec.get("subset", {}))
    shots = few_shot_examples(kind, spec.get("few_shot"))
    options = options_from(kind.prompt_options, spec.get("prompt", {}), f"{spec['kind']} prompt")
    table["prompt"] = [kind.build_prompt(q, m, shots, options) for q, m in zip(table["question"], table["metadata"])]
    table["metadata"] = [json.dumps(m, sort_keys=True) for m in table["metadata"]]
    return table[PROBLEM_COLUMNS].reset_index(drop=True)


def select_subset(table: pd.DataFrame, subset: dict) -> pd.DataFrame:
    """Filter on metadata (`where` keeps, `exclude` drops), then a seeded random `size` problems,
    ordered by id."""
    for key, allowed in subset.get("where", {}).items():
        allowed = allowed if isinstance(allowed, list) else [allowed]
        table = table[[m.get(key) in allowed for m in table["metadata"]]]
    for key, dropped in subset.get("exclude", {}).items():
        table = table[[m.get(key) not in dropped for m in table["metadata"]]]
    table = table.sort_values("problem_id")
    size = subset.get("size")
    if size is not None:
        if size > len(table):
            raise ValueError(f"subset size {size} exceeds the {len(table)} problems available")
        picked = np.random.default_rng(subset.get("seed", 0)).choice(len(table), size=size, replace=False)
        table = table.iloc[np.sort(picked)]
    if table.empty:
        raise ValueError(f"subset {subset} selects no problems")
    return table


def few_shot_examples(kind: Task, few_shot: dict | None) -> list[dict]:
    """`num` examples from the few-shot source: a seeded draw, or the first `num` when seed is null."""
    if not few_shot or few_shot["num"] == 0:
        return []
    pool = load_rows(few_shot["source"])
    if few_shot["num"] > len(pool):
        raise ValueError(f"asked for {few_shot['num']} few-shot examples; the source has {len(pool)}")
    seed = few_shot.get("seed")
    order = range(len(pool)) if seed is None else np.random.default_rng(seed).permutation(len(pool))
    return [kind.shot(pool[i]) for i in list(order)[: few_shot["num"]]]
