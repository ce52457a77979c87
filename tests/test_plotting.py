"""Figures are readable whatever the data: every axis has labelled values, and a panel with nothing
to show says why (monkeys.plotting)."""

import numpy as np
import pandas as pd
import pytest

from monkeys import plotting
from monkeys.extrapolation import beta_binomial_coverage
from monkeys.fits import law

FIGURE = {"title": "t", "size": [5.0, 3.5], "dpi": 50, "show_ci": True, "show_fit": True, "log_y": False, "kind": "coverage"}


def curve(coverage, k=None):
    k = np.arange(1, len(coverage) + 1) if k is None else k
    coverage = np.asarray(coverage, dtype=float)
    return pd.DataFrame({"k": k, "coverage": coverage, "ci_low": coverage * 0.5, "ci_high": np.minimum(1, coverage * 1.5)})


RISING = curve(1 - (1 - 0.03) ** np.arange(1, 129))
ZERO = curve(np.zeros(32))
FIT = {"a": -1.5, "b": -0.3, "r2": 0.97, "note": ""}
NO_FIT = {"a": float("nan"), "b": float("nan"), "r2": float("nan"), "note": "only 0 of 40 points with coverage > 0"}


def labels(fig):
    """Per visible axes: (x tick labels, y tick labels, texts) as drawn."""
    fig.canvas.draw()
    out = []
    for ax in fig.axes:
        if ax.get_visible():
            x = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
            y = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
            out.append((x, y, [t.get_text() for t in ax.texts], ax.get_xlabel(), ax.get_ylabel()))
    return out


def assert_readable(fig):
    for x, y, _, xlabel, ylabel in labels(fig):
        assert len(x) >= 2, f"x axis has {x} as labels"
        assert len(y) >= 2, f"y axis has {y} as labels"
        assert xlabel and ylabel


def messages(fig):
    return " ".join(" ".join(texts) for _, _, texts, _, _ in labels(fig))


def legend_texts(fig):
    return " ".join(t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts())


@pytest.mark.parametrize("log_y", [False, True])
def test_coverage_with_data_and_fit(tmp_path, log_y):
    fig = plotting.plot_coverage({"gsm8k": RISING}, {**FIGURE, "log_y": log_y}, [str(tmp_path / "c.png")], fits={"gsm8k": FIT})
    assert_readable(fig)
    assert (tmp_path / "c.png").stat().st_size > 0
    x, *_ = labels(fig)[0]
    assert x[0] == "1" and "128" in x  # powers of two for k
    assert "r²=0.97" in legend_texts(fig)
    assert not messages(fig)


@pytest.mark.parametrize("log_y", [False, True])
def test_coverage_nothing_solved_says_so(tmp_path, log_y):
    fig = plotting.plot_coverage({"math": ZERO}, {**FIGURE, "log_y": log_y}, [str(tmp_path / "c.png")], fits={"math": NO_FIT})
    assert_readable(fig)
    assert "no problem solved" in messages(fig)
    assert "no sample correct (coverage 0 for every k ≤ 32)" in legend_texts(fig)


def test_coverage_one_solved_one_not(tmp_path):
    fig = plotting.plot_coverage({"gsm8k": RISING, "math": ZERO}, FIGURE, [str(tmp_path / "c.png")],
                                 fits={"gsm8k": FIT, "math": NO_FIT})
    assert_readable(fig)
    assert not messages(fig)  # the panel has a curve; the legend names the empty one
    assert "math: no sample correct" in legend_texts(fig)


def test_crowded_legend_sits_below_the_axes(tmp_path):
    """Three curves with their fits: inside the axes the legend would cover the curves and the
    y-axis label; below them it covers nothing, and the saved image holds it."""
    curves = {name: RISING for name in ("a", "b", "c")}
    fig = plotting.plot_coverage(curves, FIGURE, [str(tmp_path / "c.png")], fits={name: FIT for name in curves})
    ax = fig.axes[0]
    fig.canvas.draw()
    legend, axes = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 < axes.y0  # wholly below the axes
    assert ax.xaxis.label.get_window_extent().y0 > legend.y1  # and below the x-axis label


def test_coverage_no_experiments(tmp_path):
    fig = plotting.plot_coverage({}, FIGURE, [str(tmp_path / "c.png")])
    assert_readable(fig)
    assert "no experiments" in messages(fig)


@pytest.mark.parametrize("budget, low", [("flops", 1.1e13), ("cost", 0.012)])
def test_budget_axis_under_a_decade_is_labelled(tmp_path, budget, low):
    """The FLOPs figure of a small run spans less than a decade: matplotlib alone labels nothing."""
    x = {"a": lambda k: low * (1 + 3 * (np.asarray(k) - 1) / 127), "b": lambda k: low * 1.2 * (1 + 3 * (np.asarray(k) - 1) / 127)}
    fig = plotting.plot_coverage({"a": RISING, "b": ZERO.assign(k=ZERO["k"] * 4)}, {**FIGURE, "kind": budget},
                                 [str(tmp_path / "f.png")], x=x)
    assert_readable(fig)
    xlabels, *_ = labels(fig)[0]
    if budget == "flops":  # 2, 3, 4, 5 in units of 10^13 FLOPs
        assert xlabels == ["2", "3", "4", "5"], xlabels
        assert "(×$10^{13}$ FLOPs)" in fig.axes[0].get_xlabel()
    else:
        assert "USD" in fig.axes[0].get_xlabel()


def selection(success_scale):
    k = np.array([1, 2, 4, 8, 16, 32])
    rows = []
    for method, factor in (("coverage (oracle)", 1.0), ("majority vote", 0.5), ("best-of-k (mean_logprob)", 0.7)):
        s = success_scale * factor * (1 - 0.9**k)
        rows.append(pd.DataFrame({"method": method, "k": k, "success": s, "ci_low": s * 0.5, "ci_high": s * 1.5}))
    return pd.concat(rows, ignore_index=True)


def test_verifiers(tmp_path):
    fig = plotting.plot_verifiers({"gsm8k": selection(0.5), "math": selection(0.0)}, FIGURE, [str(tmp_path / "v.png")])
    assert_readable(fig)
    panels = labels(fig)
    assert not panels[0][2]
    assert "no sample correct" in " ".join(panels[1][2])


def test_verifiers_empty(tmp_path):
    fig = plotting.plot_verifiers({}, FIGURE, [str(tmp_path / "v.png")])
    assert_readable(fig)
    assert "no experiments" in messages(fig)
    fig = plotting.plot_verifiers({"x": selection(0.5).iloc[:0]}, FIGURE, [str(tmp_path / "v.png")])
    assert_readable(fig)
    assert "no selection results" in messages(fig)


def extrapolation(alpha, beta, measured_p, n=16, k_fit=4):
    k = np.arange(1, n + 1)
    return (pd.DataFrame({"k": k, "measured": 1 - (1 - measured_p) ** k,
                          "beta_binomial": beta_binomial_coverage(alpha, beta, k), "power_law": law(k, -1.0, -0.3)}),
            {"k_fit": k_fit, "alpha": alpha, "beta": beta, "a": -1.0 if measured_p else float("nan"), "b": -0.3})


def test_extrapolation(tmp_path):
    good, good_params = extrapolation(0.3, 5.0, 0.05)
    tiny, tiny_params = extrapolation(1e-7, 3.0, 0.02)  # α ≈ 0: no correct sample among the first k_fit
    none, none_params = extrapolation(1e-7, 3.0, 0.0)
    fig = plotting.plot_extrapolation({"a": good, "b": tiny, "c": none}, {"a": good_params, "b": tiny_params, "c": none_params},
                                      FIGURE, [str(tmp_path / "e.png")])
    assert_readable(fig)
    panels = labels(fig)
    assert not panels[0][2] and not panels[1][2]
    assert "no sample correct" in " ".join(panels[2][2])
    legend = fig.axes[1].get_legend().get_texts()
    assert any("α=1.0e-07" in t.get_text() and "predicts ≈ 0" in t.get_text() for t in legend)
    # the ≈ 0 prediction is drawn where it can be seen: above the bottom of the axes
    assert fig.axes[1].get_ylim()[0] < 0


def test_extrapolation_near_degenerate_fit_is_legible(tmp_path):
    """Few problems with rare successes drive the beta-binomial MLE to α, β in the millions: the
    legend shows two significant digits, not a 20-character number."""
    curve, params = extrapolation(6.52e4, 2.4992e7, 0.01)
    fig = plotting.plot_extrapolation({"a": curve}, {"a": params}, FIGURE, [str(tmp_path / "e.png")])
    assert "α=6.5e+04, β=2.5e+07" in legend_texts(fig)


def test_extrapolation_empty(tmp_path):
    fig = plotting.plot_extrapolation({}, {}, FIGURE, [str(tmp_path / "e.png")])
    assert_readable(fig)
    assert "no experiments" in messages(fig)


@pytest.mark.parametrize("value, text", [(1, "1"), (32, "32"), (0.05, "0.05"), (2.5e13, r"$2.5\times10^{13}$"), (1e13, "$10^{13}$")])
def test_tick_label(value, text):
    assert plotting._tick_label(value) == text
