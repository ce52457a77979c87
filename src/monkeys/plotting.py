"""Figures: coverage against samples, FLOPs or dollars; verifiers; extrapolation.

Readable at a glance, whatever the data:

- Every axis has labelled ticks. On a log axis matplotlib labels only powers of ten, so a range
  under a decade (FLOPs of a small run: 1.1e13 to 4.2e13) used to show no value at all; `_ticks`
  picks 1-2-5 steps (or finer, or the ends) so at least two values are labelled, and numbers are
  written plainly or as m×10^e.
- A curve that is zero everywhere, a fit that could not be made, a prediction of ≈ 0 (a
  beta-binomial with α ≈ 0) is named in the legend with the reason, and drawn where it can be
  seen (the y range starts just below 0, so a line at 0 is not hidden by the axis).
- A panel with nothing to show says why in its middle ("no sample correct", "no experiments").

Each function returns its figure (already saved and closed), for tests and notebooks.
"""

from __future__ import annotations

import math
import re

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from monkeys.fits import law  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
X_LABELS = {
    "coverage": "number of samples per problem, k",
    "flops": "inference compute, all problems (FLOPs)",
    "cost": "API cost, all problems (USD)",
}
COVERAGE_LABEL = "coverage (pass@k, fraction solved)"
SUCCESS_LABEL = "success rate (fraction solved)"
Y_BOTTOM = -0.03  # a curve at 0 stays visible above the x axis
CROWDED = 4  # legend entries that fit inside the axes without hiding curves


def plot_coverage(curves: dict[str, pd.DataFrame], figure: dict, outputs: list[str], fits=None, x=None):
    """One line per experiment (label -> curve) against k, or against x[label](k) (FLOPs, dollars)."""
    fig, ax = plt.subplots(figsize=figure["size"])
    xlabel = X_LABELS.get(figure.get("kind"), "budget") if x is not None else X_LABELS["coverage"]
    drawn, empty = 0, []
    for i, (label, curve) in enumerate(curves.items()):
        color = COLORS[i % len(COLORS)]
        if curve.empty:
            empty.append(f"{label}: no data")
            continue
        xs = np.asarray(curve["k"] if x is None else x[label](curve["k"]), dtype=float)
        kmax = int(curve["k"].max())
        solved = bool((curve["coverage"] > 0).any())
        name = label if solved else f"{label}: {_no_sample_correct(kmax)}"
        ax.plot(xs, curve["coverage"], color=color, label=name, lw=1.8)
        drawn += solved
        if figure["show_ci"] and "ci_low" in curve and solved:
            ax.fill_between(xs, curve["ci_low"], curve["ci_high"], color=color, alpha=0.2, lw=0)
        fit = (fits or {}).get(label)
        if figure["show_fit"] and fit is not None and x is None and solved:
            if np.isfinite(fit.get("a", math.nan)):
                k = np.geomspace(1, kmax, 200)
                r2 = f", r²={fit['r2']:.2f}" if np.isfinite(fit.get("r2", math.nan)) else ""
                form = fit.get("form", "log10")
                base = "10" if form == "log10" else "e"
                ax.plot(k, law(k, fit["a"], fit["b"], form), color=color, ls="--", lw=1.2,
                        label=f"fit ({form}): ${base}^{{{fit['a']:.2f}\\,k^{{{fit['b']:.2f}}}}}${r2}")
            else:
                ax.plot([], [], color=color, ls="--", lw=1.2, label=f"no fit: {fit.get('note') or 'too few points'}")
    if not curves:
        _say_empty(ax, "no experiments to draw")
    elif not drawn:
        _say_empty(ax, "no problem solved by any sample" if not empty else "; ".join(empty))
    _finish(ax, figure, xlabel, COVERAGE_LABEL, integer_x=x is None)
    ax.set_title(figure["title"])
    return _save(fig, outputs, figure)


def plot_verifiers(tables: dict[str, pd.DataFrame], figure: dict, outputs: list[str]):
    """One panel per experiment: oracle coverage vs majority vote vs best-of-k by score."""
    fig, axes = _panels(len(tables), figure)
    for ax, (label, table) in zip(axes, tables.items()):
        ax.set_title(label, fontsize="medium")
        if table.empty:
            _say_empty(ax, "no selection results")
        elif not (table["success"] > 0).any():
            _say_empty(ax, f"{_no_sample_correct(int(table['k'].max()), wrap=True)}:\nno method can pick a correct one")
        for i, (method, curve) in enumerate(table.groupby("method", sort=False)):
            color = COLORS[i % len(COLORS)]
            ax.plot(curve["k"], curve["success"], color=color, label=method, lw=1.8, marker=".")
            if figure["show_ci"] and "ci_low" in curve:
                ax.fill_between(curve["k"], curve["ci_low"], curve["ci_high"], color=color, alpha=0.15, lw=0)
        _finish(ax, figure, X_LABELS["coverage"], SUCCESS_LABEL, integer_x=True)
    if not tables:
        _say_empty(axes[0], "no experiments to draw")
        _finish(axes[0], figure, X_LABELS["coverage"], SUCCESS_LABEL, integer_x=True)
    fig.suptitle(figure["title"])
    return _save(fig, outputs, figure)


def plot_extrapolation(tables: dict[str, pd.DataFrame], params: dict[str, dict], figure: dict, outputs: list[str]):
    """One panel per experiment: measured coverage vs predictions fitted on the first samples."""
    fig, axes = _panels(len(tables), figure)
    for ax, (label, table) in zip(axes, tables.items()):
        p = params[label]
        ax.set_title(label, fontsize="medium")
        if table.empty:
            _say_empty(ax, "no counts")
            _finish(ax, figure, X_LABELS["coverage"], COVERAGE_LABEL, integer_x=True)
            continue
        kmax, k_fit = int(table["k"].max()), p["k_fit"]
        if not (table["measured"] > 0).any():
            _say_empty(ax, f"{_no_sample_correct(kmax, wrap=True)}:\nnothing to predict")
        ax.plot(table["k"], table["measured"], color="black", lw=2, label="measured (all samples)")
        predicted = np.asarray(table["beta_binomial"], dtype=float)
        name = f"beta-binomial from k≤{k_fit}\n(α={_number(p['alpha'])}, β={_number(p['beta'])})"
        if not np.isfinite(predicted).any():
            ax.plot([], [], color=COLORS[0], ls="--", label=f"{name}: no prediction")
        else:
            if np.nanmax(predicted) < 0.005:
                name += f": predicts ≈ 0\n(no correct sample in the first {k_fit})" if p["alpha"] < 1e-3 else ": ≈ 0"
            # drawn above the measured line and the axes, so a prediction at 0 is seen
            ax.plot(table["k"], predicted, color=COLORS[0], ls="--", lw=2, label=name, zorder=3, clip_on=False)
        if np.isfinite(p.get("a", math.nan)):
            ax.plot(table["k"], table["power_law"], color=COLORS[1], ls=":", lw=2, label=f"paper's law from k≤{k_fit}")
        else:
            ax.plot([], [], color=COLORS[1], ls=":", label=f"paper's law from k≤{k_fit}: no fit\n(too few k with coverage > 0)")
        ax.axvline(k_fit, color="grey", lw=0.8, ls="-.")
        _finish(ax, figure, X_LABELS["coverage"], COVERAGE_LABEL, integer_x=True)
    if not tables:
        _say_empty(axes[0], "no experiments to draw")
        _finish(axes[0], figure, X_LABELS["coverage"], COVERAGE_LABEL, integer_x=True)
    fig.suptitle(figure["title"])
    return _save(fig, outputs, figure)


def _no_sample_correct(kmax: int, wrap: bool = False) -> str:
    return f"no sample correct{chr(10) if wrap else ' '}(coverage 0 for every k ≤ {kmax})"


def _say_empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize="medium", color="0.3",
            wrap=True, bbox={"facecolor": "white", "edgecolor": "0.8", "boxstyle": "round"})


def _number(value: float) -> str:
    """α and β: two decimals when that shows them, else two significant digits (a near-degenerate
    fit gives α, β in the millions)."""
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.2f}" if value == 0 or 0.01 <= abs(value) < 1000 else f"{value:.1e}"


def _panels(n: int, figure: dict):
    """n panels in rows of three (one panel, to carry a message, when n is 0)."""
    columns = max(1, min(n, 3))
    rows = max(1, math.ceil(n / columns))
    width, height = figure["size"]
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in axes.flat[max(n, 1):]:
        ax.set_visible(False)
    return fig, axes.flat[: max(n, 1)]


def _finish(ax, figure: dict, xlabel: str, ylabel: str, integer_x: bool = False) -> None:
    ax.set_xscale("log")
    lines = [line for line in ax.get_lines() if len(line.get_xdata())]
    xs = np.concatenate([np.asarray(line.get_xdata(), dtype=float) for line in lines]) if lines else np.array([1.0, 10.0])
    xs = xs[np.isfinite(xs) & (xs > 0)]
    if xs.size == 0:
        xs = np.array([1.0, 10.0])
    low, high = xs.min(), xs.max()
    if high <= low:
        low, high = low / 2, high * 2
    ax.set_xlim(low, high)
    if (exponent := _ticks(ax.xaxis, low, high, integer=integer_x)) is not None:
        # ticks 2, 3, 4, 5 and "(×10^13 FLOPs)": shorter than 2×10^13 … 5×10^13 side by side
        xlabel = re.sub(r"\((\w+)\)$", lambda m: f"(×$10^{{{exponent}}}$ {m[1]})", xlabel)
    if figure["log_y"]:
        ax.set_yscale("log")
        ys = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines]) if lines else np.array([])
        ys = ys[np.isfinite(ys) & (ys > 0)]
        ylow, yhigh = (ys.min(), min(1.0, ys.max())) if ys.size else (0.01, 1.0)
        if yhigh <= ylow:
            ylow, yhigh = ylow / 2, ylow * 2
        ylow, yhigh = ylow / 1.2, min(1.05, yhigh * 1.2)
        ax.set_ylim(ylow, yhigh)
        _ticks(ax.yaxis, ylow, yhigh, common_exponent=False)
    else:
        ax.set_ylim(Y_BOTTOM, 1.03)
        ax.yaxis.set_major_locator(matplotlib.ticker.MultipleLocator(0.2))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.1f"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)


def _ticks(axis, low: float, high: float, integer: bool = False, common_exponent: bool = True) -> int | None:
    """Labelled ticks on a log axis over [low, high]: powers of two for k (1, 2, 4 … 128), else
    decades, 1-2-5 steps, steps 1…9 or the two ends, the first that gives three labels (else two).
    Returns e when the ticks are labelled as multiples of 10^e (all in one decade, far from 1)."""
    if integer and high / low >= 2:
        candidates = [[2.0**e for e in range(math.floor(math.log2(low)), math.ceil(math.log2(high)) + 1)]]
        if len(candidates[0]) > 9:  # thousands of samples: decades read better
            candidates = [[10.0**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]]
    else:
        decades = range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1)
        candidates = [[m * 10.0**e for e in decades for m in steps] for steps in ((1,), (1, 2, 5), range(1, 10))]
    eps = 1e-9 * high
    ticks = []
    for wanted in (3, 2):
        for options in candidates:
            ticks = [t for t in options if low - eps <= t <= high + eps]
            if len(ticks) >= wanted:
                break
        if len(ticks) >= wanted:
            break
    if len(ticks) < 2:
        ticks = [float(f"{low:.2g}"), float(f"{high:.2g}")]
        ticks = ticks if ticks[0] < ticks[1] else [low, high]
    if len(ticks) > 8:  # thin to about six labels
        ticks = ticks[:: math.ceil(len(ticks) / 6)]
    axis.set_major_locator(matplotlib.ticker.FixedLocator(ticks))
    axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    exponents = {math.floor(math.log10(t)) for t in ticks}
    if common_exponent and len(exponents) == 1 and not 1e-3 <= ticks[0] < 1e5:
        e = exponents.pop()
        axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 10**e:.3g}"))
        return e
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: _tick_label(v)))
    return None


def _legend(fig, ax) -> None:
    """A short legend inside the axes; a crowded one there hides curves and the axis label, so it
    goes under the axes' tick labels and x label, which are placed only once the figure is drawn."""
    entries = len(ax.get_legend_handles_labels()[0])
    if entries <= CROWDED:
        if entries:
            ax.legend(fontsize="x-small" if entries > 2 else "small")
        return
    fig.canvas.draw()
    box = ax.get_tightbbox()
    anchor = fig.transFigure.inverted().transform(((box.x0 + box.x1) / 2, box.y0))
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=tuple(anchor), bbox_transform=fig.transFigure)


def _tick_label(value: float) -> str:
    """1, 32, 0.05, 250 as written; 2.5×10¹³ for large and tiny values."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.3g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    head = "" if round(mantissa, 2) == 1 else f"{mantissa:.2g}\\times"
    return f"${head}10^{{{exponent}}}$"


def _save(fig, outputs: list[str], figure: dict):
    fig.tight_layout()
    for ax in fig.axes:  # after the layout: a crowded legend is placed below the final axes
        _legend(fig, ax)
    for path in outputs:
        fig.savefig(path, dpi=figure["dpi"], bbox_inches="tight")  # grows to hold legends below the axes
    plt.close(fig)
    return fig
