"""The paper's scaling law for coverage: log10(coverage(k)) = a * k**b (an exponentiated power law).

Fitted by least squares in log10-coverage space on about 40 log-spaced sample counts, as in the
paper; log spacing keeps the many large k from swamping the few small ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

FIT_COLUMNS = ["a", "b", "r2", "rmse", "num_points", "k_max", "note"]


def fit_points(n: int, num: int = 40) -> np.ndarray:
    """Integer k values log-spaced in [1, n], rounded and de-duplicated."""
    if n < 1:
        raise ValueError("need at least one sample")
    return np.unique(np.rint(np.logspace(0, math.log10(n), num)).astype(np.int64))


def law(k, a: float, b: float):
    """Coverage predicted by the law at k."""
    return 10.0 ** (a * np.asarray(k, dtype=float) ** b)


def fit_scaling_law(curve: pd.DataFrame, num_points: int = 40) -> dict:
    """Fit (a, b) to a coverage curve with columns k, coverage.

    Points with zero coverage have no logarithm and are left out; with fewer than three usable
    points the fit is reported as NaN with the reason in `note` rather than raising, so one
    unsolved experiment does not stop a whole figure.
    """
    ks = fit_points(int(curve["k"].max()), num_points)
    points = curve.set_index("k").loc[ks, "coverage"]
    usable = points[points > 0]
    result = dict.fromkeys(FIT_COLUMNS, math.nan) | {"num_points": len(usable), "k_max": int(ks.max()), "note": ""}
    if len(usable) < 3:
        result["note"] = f"only {len(usable)} of {len(points)} points with coverage > 0"
        return result
    k = usable.index.to_numpy(dtype=float)
    y = np.log10(usable.to_numpy())
    a0, b0 = _initial_guess(k, y)
    try:
        (a, b), _ = curve_fit(lambda k, a, b: a * k**b, k, y, p0=(a0, b0), maxfev=20_000)
    except RuntimeError as err:  # no convergence
        result["note"] = f"fit failed: {err}"
        return result
    residuals = y - a * k**b
    total = np.sum((y - y.mean()) ** 2)
    result.update(
        a=float(a),
        b=float(b),
        r2=float(1.0 - np.sum(residuals**2) / total) if total > 0 else math.nan,
        rmse=float(np.sqrt(np.mean(residuals**2))),
    )
    return result


def _initial_guess(k: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Linearise log(-y) = log(-a) + b log k where y < 0 (coverage < 1)."""
    below_one = y < 0
    if below_one.sum() < 2:
        return -0.1, -0.5
    b, log_neg_a = np.polyfit(np.log(k[below_one]), np.log(-y[below_one]), 1)
    return -math.exp(log_neg_a), b
