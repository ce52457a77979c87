import numpy as np
import pandas as pd
import pytest

from monkeys.frontier import CROSSING_COLUMNS, FRONTIER_COLUMNS, compute_frontier, plot_frontier
from monkeys.tokens import dollars_at


def linear_experiments():
    """small: cost k, coverage 0.4 + 0.001 k (k <= 500); large: cost 10 k, coverage 0.3 + 0.02 k
    (k <= 35). In budget B: small 0.4 + 0.001 B, large 0.3 + 0.002 B (B >= 10), equal at B = 100;
    large reaches coverage 1 at B = 350, small only 0.9 at 500."""
    small, large = np.arange(1, 501), np.arange(1, 36)
    curves = {
        "small": pd.DataFrame({"k": small, "coverage": 0.4 + 0.001 * small}),
        "large": pd.DataFrame({"k": large, "coverage": 0.3 + 0.02 * large}),
    }
    costs = {"small": lambda k: 1.0 * np.asarray(k), "large": lambda k: 10.0 * np.asarray(k)}
    return curves, costs


def test_known_crossing_of_linear_curves():
    table, crossings = compute_frontier(*linear_experiments(), num_budgets=101)
    assert table.columns.tolist() == FRONTIER_COLUMNS and crossings.columns.tolist() == CROSSING_COLUMNS
    assert table["budget"].iloc[0] == pytest.approx(1) and table["budget"].iloc[-1] == pytest.approx(500)
    assert (table.loc[table.budget < 100, "label"] == "small").all()
    assert (table.loc[table.budget > 100, "label"] == "large").all()
    assert len(crossings) == 1
    crossing = crossings.iloc[0]
    assert (crossing.from_label, crossing.to_label) == ("small", "large")
    assert crossing.budget == pytest.approx(100, rel=1e-12)
    assert crossing.coverage == pytest.approx(0.5) and crossing.k_from == pytest.approx(100) and crossing.k_to == pytest.approx(10)
    # Between curve points k is fractional (a mix of two sample counts); past the data it stays.
    row = table.iloc[np.argmin(np.abs(table.budget - 200))]
    assert row.k == pytest.approx(row.budget / 10) and row.coverage == pytest.approx(0.3 + 0.002 * row.budget)
    last = table.iloc[-1]
    assert (last.label, last.k, last.cost, last.coverage) == ("large", 35, 350, pytest.approx(1.0))


def test_crossing_of_curved_experiments_matches_a_dense_search():
    """A small model solving half the problems well vs a 20x dearer one solving all of them slowly."""
    k = np.arange(1, 2001)
    curves = {
        "8B": pd.DataFrame({"k": k, "coverage": 0.5 * (1 - 0.95**k)}),
        "70B": pd.DataFrame({"k": k, "coverage": 1 - 0.99**k}),
    }
    costs = {"8B": lambda k: 3.0 + np.asarray(k), "70B": lambda k: 60.0 + 20.0 * np.asarray(k)}
    table, crossings = compute_frontier(curves, costs)
    assert crossings[["from_label", "to_label"]].values.tolist() == [["8B", "70B"]]
    dense = np.geomspace(80, 40_003, 400_000)
    small = np.interp(dense, costs["8B"](k), curves["8B"]["coverage"])
    large = np.interp(dense, costs["70B"](k), curves["70B"]["coverage"])
    first_large = dense[np.argmax(large > small)]
    assert crossings.budget.iloc[0] == pytest.approx(first_large, rel=1e-4)
    assert (table.loc[table.budget < first_large * 0.999, "label"] == "8B").all()
    assert (table.loc[table.budget > first_large * 1.001, "label"] == "70B").all()


def test_newly_affordable_experiment_and_saturated_ties():
    """An experiment that wins as soon as it is affordable crosses at its first point; when the
    other catches up at coverage 1 (B = 10) the tie goes to the one spending less: no crossing back."""
    k = np.arange(1, 11)
    curves = {"cheap": pd.DataFrame({"k": k, "coverage": np.minimum(1.0, 0.1 * k)}),
              "dear": pd.DataFrame({"k": k, "coverage": np.ones(10)})}
    costs = {"cheap": lambda k: np.asarray(k, float), "dear": lambda k: 5.0 * np.asarray(k)}
    table, crossings = compute_frontier(curves, costs, num_budgets=50)
    assert crossings[["budget", "from_label", "to_label"]].values.tolist() == [[5.0, "cheap", "dear"]]
    last = table.iloc[-1]  # dear's saturated tail is dropped: one sample already solves everything
    assert (last.label, last.k, last.cost, last.coverage) == ("dear", 1, 5, 1)


def test_dollar_costs_and_validation():
    usage = pd.DataFrame({"num_prompt_tokens": [1000, 2000], "mean_output_tokens": [200, 300]})
    k = np.arange(1, 101)
    curves = {"api": pd.DataFrame({"k": k, "coverage": 1 - 0.97**k})}
    table, crossings = compute_frontier(curves, {"api": lambda ks: dollars_at(usage, ks, {"input_per_mtok": 3, "output_per_mtok": 15})})
    assert crossings.empty and (table.label == "api").all()
    assert table.budget.iloc[-1] == pytest.approx(100 * (3000 * 3 + 500 * 15) / 1e6)
    with pytest.raises(ValueError, match="strictly increasing"):
        compute_frontier(curves, {"api": lambda ks: np.ones(len(ks))})


@pytest.mark.parametrize("unit", ["flops", "dollars"])
def test_plot_frontier_writes_figures(tmp_path, unit):
    curves, costs = linear_experiments()
    scale = 1e15 if unit == "flops" else 0.01
    table, crossings = compute_frontier(curves, {label: (lambda f: lambda k: scale * f(k))(f) for label, f in costs.items()})
    outputs = [str(tmp_path / "frontier.pdf"), str(tmp_path / "frontier.png")]
    figure = {"title": "compute-optimal frontier", "size": [6, 4], "dpi": 80, "log_y": False, "budget": unit}
    plot_frontier(table, crossings, figure, outputs)
    assert all((tmp_path / name).stat().st_size > 1000 for name in ("frontier.pdf", "frontier.png"))
