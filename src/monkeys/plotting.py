"""Figures: coverage against samples, FLOPs or dollars; verifiers; extrapolation."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from monkeys.scaling import law  # noqa: E402

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
X_LABELS = {"coverage": "number of samples k", "flops": "inference FLOPs (all problems)", "cost": "cost (USD, all problems)"}


def plot_coverage(curves: dict[str, pd.DataFrame], figure: dict, outputs: list[str], fits=None, x=None) -> None:
    """One line per experiment (label -> curve) against k, or against x[label](k) (FLOPs, dollars)."""
    fig, ax = plt.subplots(figsize=figure["size"])
    for i, (label, curve) in enumerate(curves.items()):
        color = COLORS[i % len(COLORS)]
        xs = curve["k"] if x is None else x[label](curve["k"])
        ax.plot(xs, curve["coverage"], color=color, label=label, lw=1.8)
        if figure["show_ci"] and "ci_low" in curve:
            ax.fill_between(xs, curve["ci_low"], curve["ci_high"], color=color, alpha=0.2, lw=0)
        fit = (fits or {}).get(label)
        if figure["show_fit"] and fit and np.isfinite(fit["a"]):
            k = np.geomspace(1, curve["k"].max(), 200)
            ax.plot(k, law(k, fit["a"], fit["b"]), color=color, ls="--", lw=1.2,
                    label=f"fit: $10^{{{fit['a']:.2f}\\,k^{{{fit['b']:.2f}}}}}$")
    _finish(ax, figure, X_LABELS[figure["kind"]], "coverage (pass@k)")
    ax.set_title(figure["title"])
    _save(fig, outputs, figure)


def plot_verifiers(tables: dict[str, pd.DataFrame], figure: dict, outputs: list[str]) -> None:
    """One panel per experiment: oracle coverage vs majority vote vs best-of-k by score."""
    fig, axes = _panels(len(tables), figure)
    for ax, (label, table) in zip(axes, tables.items()):
        for i, (method, curve) in enumerate(table.groupby("method", sort=False)):
            color = COLORS[i % len(COLORS)]
            ax.plot(curve["k"], curve["success"], color=color, label=method, lw=1.8, marker=".")
            if figure["show_ci"]:
                ax.fill_between(curve["k"], curve["ci_low"], curve["ci_high"], color=color, alpha=0.15, lw=0)
        ax.set_title(label, fontsize="medium")
        _finish(ax, figure, "number of samples k", "success rate")
    fig.suptitle(figure["title"])
    _save(fig, outputs, figure)


def plot_extrapolation(tables: dict[str, pd.DataFrame], params: dict[str, dict], figure: dict, outputs: list[str]) -> None:
    """One panel per experiment: measured coverage vs predictions fitted on the first samples."""
    fig, axes = _panels(len(tables), figure)
    for ax, (label, table) in zip(axes, tables.items()):
        p = params[label]
        ax.plot(table["k"], table["measured"], color="black", lw=2, label="measured (all samples)")
        ax.plot(table["k"], table["beta_binomial"], color=COLORS[0], ls="--",
                label=f"beta-binomial from k≤{p['k_fit']} (α={p['alpha']:.2f}, β={p['beta']:.2f})")
        if np.isfinite(p["a"]):
            ax.plot(table["k"], table["power_law"], color=COLORS[1], ls=":", label=f"paper's law from k≤{p['k_fit']}")
        ax.axvline(p["k_fit"], color="grey", lw=0.8, ls="-.")
        ax.set_title(label, fontsize="medium")
        _finish(ax, figure, "number of samples k", "coverage (pass@k)")
    fig.suptitle(figure["title"])
    _save(fig, outputs, figure)


def _panels(n: int, figure: dict):
    columns = min(n, 3)
    rows = math.ceil(n / columns)
    width, height = figure["size"]
    fig, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def _finish(ax, figure: dict, xlabel: str, ylabel: str) -> None:
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # labelled decades only: no overlaps
    if figure["log_y"]:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")


def _save(fig, outputs: list[str], figure: dict) -> None:
    fig.tight_layout()
    for path in outputs:
        fig.savefig(path, dpi=figure["dpi"])
    plt.close(fig)
