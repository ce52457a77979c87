"""Compute-optimal frontier: for each inference budget, which model (experiment) and how many samples
per problem give the highest coverage, and the budgets at which the best model changes.

The paper compares models at equal FLOPs or dollars (its Figures 4 and 6): a small model with many
samples can beat a large model with few. This module turns that comparison into a table a figure or
a report can quote, from each experiment's coverage curve (k -> coverage) and cost function
(k -> FLOPs or dollars, e.g. `monkeys.tokens.flops_at` or `dollars_at`).

Between two sample counts k1 < k2 of one experiment, coverage is interpolated linearly in cost.
That is achievable, not just a drawing convention: giving k1 samples to a random fraction of the
problems and k2 to the rest has expected coverage and cost on the straight line between the two
points, when cost is affine in k (as flops_at and dollars_at are: a prompt cost plus k times a
per-sample cost). So a budget between curve points buys a fractional `k`: the mean number of
samples per problem. Past an experiment's largest useful k (its last point, or the first at its
highest coverage) its coverage stays at that value and the unspent budget is reported
(`cost` < `budget`): the data say nothing about more samples.

The best experiment at a budget has the highest coverage; a tie goes to the one that spends less,
then to the earlier experiment, so saturated curves (coverage 1) do not produce spurious winners.
Crossings are exact: every experiment is linear between the union of all curve points' costs, so
where the winner differs at two consecutive such costs it changes where the two lines meet.
"""

from __future__ import annotations

from typing import Callable

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

FRONTIER_COLUMNS = ["budget", "label", "k", "cost", "coverage"]
CROSSING_COLUMNS = ["budget", "from_label", "to_label", "coverage", "k_from", "k_to"]
BUDGET_LABELS = {"flops": "inference budget (FLOPs, all problems)", "dollars": "inference budget (USD, all problems)"}


def compute_frontier(
    curves: dict[str, pd.DataFrame],
    costs: dict[str, Callable[[np.ndarray], np.ndarray]],
    num_budgets: int = 200,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frontier on `num_budgets` log-spaced budgets and the crossings between experiments.

    curves: label -> DataFrame with columns k, coverage. costs: label -> vectorised k -> cost,
    strictly increasing in k. The budget grid runs from the cheapest first point of any experiment
    to the most expensive last point.

    Returns (table with FRONTIER_COLUMNS, one row per budget; crossings with CROSSING_COLUMNS, one
    row per change of the best experiment, in order of budget).
    """
    if not curves:
        raise ValueError("no experiments to compare")
    labels = list(curves)
    points = [_cost_points(label, curves[label], costs[label]) for label in labels]
    low = min(x[0] for x, _, _ in points)
    high = max(x[-1] for x, _, _ in points)
    budgets = np.geomspace(low, high, num_budgets)
    coverage, spent, ks = _evaluate(points, budgets)
    best = _best(coverage, spent)
    columns = np.arange(len(budgets))
    table = pd.DataFrame({
        "budget": budgets,
        "label": np.asarray(labels, dtype=object)[best],
        "k": ks[best, columns],
        "cost": spent[best, columns],
        "coverage": coverage[best, columns],
    })
    return table, _crossings(labels, points, low, high)


def _cost_points(label: str, curve: pd.DataFrame, cost: Callable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cost, coverage, k) of an experiment's curve points in order of k, up to the first point of
    highest coverage: later ones cost more for nothing (e.g. a curve saturated at 1)."""
    curve = curve.sort_values("k")
    k = curve["k"].to_numpy(dtype=float)
    x = np.asarray(cost(k), dtype=float)
    if x.shape != k.shape or not np.all(np.diff(x) > 0) or not x[0] > 0:
        raise ValueError(f"{label}: cost must be positive and strictly increasing in k")
    y = curve["coverage"].to_numpy(dtype=float)
    end = int(np.argmax(y)) + 1
    return x[:end], y[:end], k[:end]


def _evaluate(points, budgets: np.ndarray):
    """Coverage, cost spent and k (experiments x budgets); coverage NaN where unaffordable."""
    shape = (len(points), len(budgets))
    coverage, spent, ks = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for i, (x, y, k) in enumerate(points):
        affordable = budgets >= x[0]
        b = budgets[affordable]
        coverage[i, affordable] = np.interp(b, x, y)  # constant past the last point
        ks[i, affordable] = np.interp(b, x, k)
        spent[i, affordable] = np.minimum(b, x[-1])
    return coverage, spent, ks


def _best(coverage: np.ndarray, spent: np.ndarray) -> np.ndarray:
    """Index of the best experiment per budget: highest coverage, then least spent, then first."""
    top = np.nanmax(coverage, axis=0)
    return np.argmin(np.where(coverage == top, spent, np.inf), axis=0)


def _crossings(labels: list[str], points, low: float, high: float) -> pd.DataFrame:
    breaks = np.unique(np.concatenate([x for x, _, _ in points]))
    breaks = breaks[(breaks >= low) & (breaks <= high)]
    coverage, spent, ks = _evaluate(points, breaks)
    best = _best(coverage, spent)
    rows = []
    for t in np.flatnonzero(best[1:] != best[:-1]):
        old, new = best[t], best[t + 1]
        b0, b1 = breaks[t], breaks[t + 1]
        # Both lines are linear on [b0, b1]; the new one may only become affordable at b1.
        d0 = coverage[old, t] - coverage[new, t]
        d1 = coverage[old, t + 1] - coverage[new, t + 1]
        fraction = 1.0 if np.isnan(d0) or d0 == d1 else d0 / (d0 - d1)

        def at(values, i):
            return values[i, t + 1] if fraction == 1.0 else values[i, t] + fraction * (values[i, t + 1] - values[i, t])

        rows.append({"budget": b0 + fraction * (b1 - b0), "from_label": labels[old], "to_label": labels[new],
                     "coverage": at(coverage, new), "k_from": at(ks, old), "k_to": at(ks, new)})
    return pd.DataFrame(rows, columns=CROSSING_COLUMNS)


def plot_frontier(table: pd.DataFrame, crossings: pd.DataFrame, figure: dict, outputs: list[str]) -> None:
    """Draw the frontier coloured by the winning experiment, with the crossings marked.

    figure: title, size, dpi, log_y, and budget ("flops" or "dollars", for the axis units).
    """
    # The line runs through the grid budgets and, at each crossing, ends one colour and starts the next.
    pieces = [table.assign(order=1)[["budget", "coverage", "label", "order"]]]
    if not crossings.empty:
        pieces += [crossings.rename(columns={"from_label": "label"}).assign(order=0)[["budget", "coverage", "label", "order"]],
                   crossings.rename(columns={"to_label": "label"}).assign(order=2)[["budget", "coverage", "label", "order"]]]
    line = pd.concat(pieces, ignore_index=True).sort_values(["budget", "order"], kind="stable")
    run = (line["label"] != line["label"].shift()).cumsum()
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color_of = {label: colors[i % len(colors)] for i, label in enumerate(dict.fromkeys(line["label"]))}

    fig, ax = plt.subplots(figsize=figure["size"])
    in_legend = set()
    for _, segment in line.groupby(run, sort=False):
        label = segment["label"].iloc[0]
        ax.plot(segment["budget"], segment["coverage"], color=color_of[label], lw=2.2,
                label=None if label in in_legend else f"best: {label}")
        in_legend.add(label)
    if not crossings.empty:
        ax.scatter(crossings["budget"], crossings["coverage"], s=45, facecolor="white", edgecolor="black", zorder=3,
                   label="best model changes")
        for row in crossings.itertuples():
            ax.annotate(f"{row.from_label} (k={row.k_from:.3g}) → {row.to_label} (k={row.k_to:.3g})\n"
                        f"at {_format_budget(row.budget, figure['budget'])}",
                        (row.budget, row.coverage), xytext=(6, -18), textcoords="offset points", fontsize="x-small")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _format_budget(v, figure["budget"])))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if figure["log_y"]:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, 1.02)
    ax.set_xlabel(BUDGET_LABELS[figure["budget"]])
    ax.set_ylabel("coverage of the best model (pass@k)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(figure["title"])
    fig.tight_layout()
    for path in outputs:
        fig.savefig(path, dpi=figure["dpi"])
    plt.close(fig)


def _format_budget(value: float, unit: str) -> str:
    """Tick and label text: FLOPs as 10^18 or 4.6x10^14, dollars with k/M suffixes ($0.01, $5, $20k;
    the $ escaped, as matplotlib reads paired $ as mathtext)."""
    if unit == "flops":
        exponent = int(np.floor(np.log10(value) + 1e-9))
        mantissa = value / 10.0**exponent
        return f"$10^{{{exponent}}}$" if np.isclose(mantissa, 1) else f"${mantissa:.2g}\\times10^{{{exponent}}}$"
    for scale, suffix in ((1e6, "M"), (1e3, "k"), (1.0, "")):
        if value >= scale:
            return f"\\${value / scale:.3g}{suffix}"
    return f"\\${value:.2g}"
