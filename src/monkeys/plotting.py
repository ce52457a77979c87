"""Figures: coverage against the number of samples, with bootstrap band and fitted law."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from monkeys.scaling import law  # noqa: E402


def plot_coverage(curves: dict[str, pd.DataFrame], fits: dict[str, dict], figure: dict, outputs: list[str]) -> None:
    """One axis, one line per experiment (label -> curve); saved to every path in `outputs`."""
    fig, ax = plt.subplots(figsize=figure["size"])
    for (label, curve), color in zip(curves.items(), plt.rcParams["axes.prop_cycle"].by_key()["color"] * 10):
        ax.plot(curve["k"], curve["coverage"], color=color, label=label, lw=1.8)
        if figure["show_ci"] and "ci_low" in curve:
            ax.fill_between(curve["k"], curve["ci_low"], curve["ci_high"], color=color, alpha=0.2, lw=0)
        fit = fits[label]
        if figure["show_fit"] and np.isfinite(fit["a"]):
            k = np.geomspace(1, curve["k"].max(), 200)
            ax.plot(k, law(k, fit["a"], fit["b"]), color=color, ls="--", lw=1.2,
                    label=f"fit: $10^{{{fit['a']:.2f}\\,k^{{{fit['b']:.2f}}}}}$")
    ax.set_xscale("log")
    if figure["log_y"]:
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, 1.02)
    ax.set_xlabel("number of samples k")
    ax.set_ylabel("coverage (pass@k)")
    ax.set_title(figure["title"])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    for path in outputs:
        fig.savefig(path, dpi=figure["dpi"])
    plt.close(fig)
