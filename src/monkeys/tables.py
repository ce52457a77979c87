"""The results tables: every experiment's coverage curve and fitted law, one row per (experiment, k)
and per experiment, in config order."""

from __future__ import annotations

import pandas as pd

from monkeys.fits import FIT_COLUMNS
from monkeys.jobs import read_json


def coverage_table(experiments: list[str], curves: list[str]) -> pd.DataFrame:
    """The `coverage_table` rule: the coverage parquet of each experiment, stacked."""
    table = pd.concat(pd.read_parquet(path).assign(experiment=name) for name, path in zip(experiments, curves))
    return table[["experiment", *table.columns.drop("experiment")]]


def fits_table(experiments: list[str], fits: list[str]) -> pd.DataFrame:
    """The `fits_table` rule: one row per experiment with the fit's form, a, b and quality."""
    rows = [{"experiment": name, **{column: read_json(path)[column] for column in FIT_COLUMNS}}
            for name, path in zip(experiments, fits)]
    return pd.DataFrame(rows, columns=["experiment", *FIT_COLUMNS])


def spending_table(experiments: list[str], tokens: list[str], infos: list[dict]) -> pd.DataFrame:
    """The `spending_table` rule: samples, generated tokens and FLOPs each sampled experiment drew,
    beside what drawing all n_samples for every problem (a fixed-n run) costs. They differ only
    under adaptive allocation; FLOPs need the model's shape (else NaN)."""
    from monkeys.tokens import flops_at, flops_drawn

    rows = []
    for name, path, info in zip(experiments, tokens, infos):
        usage, n, model = pd.read_parquet(path), info["n_samples"], info["model"]
        shaped = all(key in model for key in ("parameters", "layers", "d_model"))
        row = {
            "experiment": name,
            "samples_drawn": int(usage["num_samples"].sum()),
            "samples_fixed_n": n * len(usage),
            "output_tokens_drawn": float((usage["num_samples"] * usage["mean_output_tokens"]).sum()),
            "output_tokens_fixed_n": float(n * usage["mean_output_tokens"].sum()),
            "flops_drawn": flops_drawn(usage, model) if shaped else float("nan"),
            "flops_fixed_n": float(flops_at(usage, [n], model)[0]) if shaped else float("nan"),
        }
        rows.append(row | {"share_drawn": row["samples_drawn"] / row["samples_fixed_n"]})
    return pd.DataFrame(rows)
