"""The paper's scaling law for coverage, an exponentiated power law, in two conventions (`form`):

- "log10": log10(coverage(k)) = a * k**b, least squares in log10-coverage space on ~40 log-spaced
  k, rounded and de-duplicated (so each k counts once).
- "paper": ln(coverage(k)) = a * k**b, least squares in ln-coverage space on the 40 rounded values
  of numpy.logspace(0, log10(k_max), 40) with repeats kept, as the paper's code does: k = 1, 2, 3
  occur several times among the rounded values and so weigh more. This is the convention of the
  paper's Figure 5 (e.g. Pythia-70M a = -7.59, b = -0.18 on MATH).

On a perfect power law the two agree up to the base: a_paper = ln(10) * a_log10, same b. On real
curves they differ in a as well, through the base and the weight of the repeated small k; fits.csv
names the form so the two are never compared by mistake.

Log spacing keeps the many large k from swamping the few small ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

FIT_FORMS = ("log10", "paper")
FIT_COLUMNS = ["form", "a", "b", "r2", "rmse", "num_points", "k_max", "note"]
_LOG = {"log10": np.log10, "paper": np.log}


def fit_points(n: int, num: int = 40, unique: bool = True) -> np.ndarray:
    """Integer k values log-spaced in [1, n], rounded; de-duplicated unless unique=False."""
    if n < 1:
        raise ValueError("need at least one sample")
    ks = np.rint(np.logspace(0, math.log10(n), num)).astype(np.int64)
    return np.unique(ks) if unique else ks


def law(k, a: float, b: float, form: str = "log10"):
    """Coverage predicted by the law at k: 10**(a k^b) ("log10") or exp(a k^b) ("paper")."""
    exponent = a * np.asarray(k, dtype=float) ** b
    return 10.0**exponent if _check_form(form) == "log10" else np.exp(exponent)


def fit(curve: pd.DataFrame, num_points: int = 40, form: str = "log10") -> dict:
    """Fit (a, b) to a coverage curve with columns k, coverage, in the given form (module docstring).

    Points with zero coverage have no logarithm and are left out; with fewer than three usable
    points the fit is reported as NaN with the reason in `note` rather than raising, so one
    unsolved experiment does not stop a whole figure. `num_points` counts repeated k for "paper".
    """
    ks = fit_points(int(curve["k"].max()), num_points, unique=_check_form(form) == "log10")
    points = curve.set_index("k").loc[ks, "coverage"]
    usable = points[points > 0]
    result = dict.fromkeys(FIT_COLUMNS, math.nan) | {"form": form, "num_points": len(usable), "k_max": int(ks.max()), "note": ""}
    if len(usable) < 3:
        result["note"] = f"only {len(usable)} of {len(points)} points with coverage > 0"
        return result
    k = usable.index.to_numpy(dtype=float)
    y = _LOG[form](usable.to_numpy())
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


def _check_form(form: str) -> str:
    if form not in FIT_FORMS:
        raise ValueError(f"unknown fit form {form!r}; expected one of {FIT_FORMS}")
    return form


def _initial_guess(k: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Linearise log(-y) = log(-a) + b log k where y < 0 (coverage < 1)."""
    below_one = y < 0
    if below_one.sum() < 2:
        return -0.1, -0.5
    b, log_neg_a = np.polyfit(np.log(k[below_one]), np.log(-y[below_one]), 1)
    return -math.exp(log_neg_a), b
