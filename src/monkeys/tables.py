"""The results tables: every experiment's coverage curve and fitted law, one row per (experiment, k)
and per experiment, in config order."""

from __future__ import annotations

import pandas as pd

from monkeys.jobs import read_json
from monkeys.scaling import FIT_COLUMNS


def coverage_table(experiments: list[str], curves: list[str]) -> pd.DataFrame:
    """The `coverage_table` rule: the coverage parquet of each experiment, stacked."""
    table = pd.concat(pd.read_parquet(path).assign(experiment=name) for name, path in zip(experiments, curves))
    return table[["experiment", *table.columns.drop("experiment")]]


def fits_table(experiments: list[str], fits: list[str]) -> pd.DataFrame:
    """The `fits_table` rule: one row per experiment with the fit's form, a, b and quality."""
    rows = [{"experiment": name, **{column: read_json(path)[column] for column in FIT_COLUMNS}}
            for name, path in zip(experiments, fits)]
    return pd.DataFrame(rows, columns=["experiment", *FIT_COLUMNS])
