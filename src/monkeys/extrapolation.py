"""Predicting coverage at large k from few samples with a beta-binomial model
(Schaeffer et al. 2025, "How Do Large Language Monkeys Get Their Power (Laws)?").

Each problem's single-sample success probability p is modelled as p ~ Beta(alpha, beta), so its
count of correct samples is beta-binomial. Fitted by maximum likelihood, the model predicts
coverage(k) = 1 - E[(1 - p)^k] = 1 - B(alpha, beta + k) / B(alpha, beta), a power law in k at
large k whose exponent is alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import betaln

from monkeys.coverage import coverage_curve
from monkeys.fits import fit, law


def fit_beta_binomial(counts: pd.DataFrame) -> dict:
    """Maximum-likelihood (alpha, beta) from per-problem (num_samples, num_correct)."""
    n = counts["num_samples"].to_numpy()
    c = counts["num_correct"].to_numpy()

    def negative_log_likelihood(log_params):
        alpha, beta = np.exp(log_params)
        return -stats.betabinom.logpmf(c, n, alpha, beta).sum()

    start = _moment_start(c / n)
    result = optimize.minimize(negative_log_likelihood, np.log(start), method="Nelder-Mead",
                               options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 10_000})
    alpha, beta = np.exp(result.x)
    return {"alpha": float(alpha), "beta": float(beta), "log_likelihood": float(-result.fun), "converged": bool(result.success)}


def _moment_start(rates: np.ndarray) -> tuple[float, float]:
    mean = np.clip(rates.mean(), 1e-3, 1 - 1e-3)
    var = max(rates.var(), 1e-4)
    common = max(mean * (1 - mean) / var - 1, 1e-2)
    return mean * common, (1 - mean) * common


def beta_binomial_coverage(alpha: float, beta: float, ks) -> np.ndarray:
    k = np.asarray(ks, dtype=float)
    return -np.expm1(betaln(alpha, beta + k) - betaln(alpha, beta))


def thin_counts(counts: pd.DataFrame, fraction: float, seed: int = 0) -> pd.DataFrame:
    """Counts as if only a random `fraction` of each problem's samples had been drawn.

    A hypergeometric draw is exactly the number of correct samples in a random subset, so this
    works from counts alone (imported results included).
    """
    n = counts["num_samples"].to_numpy()
    m = np.maximum(1, np.floor(n * fraction).astype(np.int64))
    rng = np.random.default_rng(seed)
    c = rng.hypergeometric(counts["num_correct"].to_numpy(), n - counts["num_correct"].to_numpy(), m)
    return counts.assign(num_samples=m, num_correct=c)


def extrapolate(counts: pd.DataFrame, spec: dict) -> tuple[pd.DataFrame, dict]:
    """Measured coverage for k = 1..n against predictions from a `fraction` of the samples:
    the beta-binomial model and the paper's power law, both fitted on the thinned counts."""
    ks = np.arange(1, int(counts["num_samples"].min()) + 1)
    thinned = thin_counts(counts, spec["fraction"], spec["seed"])
    beta_binomial = fit_beta_binomial(thinned)
    power_law = fit(coverage_curve(thinned, n_bootstrap=0), spec["num_points"])
    table = pd.DataFrame(
        {
            "k": ks,
            "measured": coverage_curve(counts, ks, n_bootstrap=0)["coverage"],
            "beta_binomial": beta_binomial_coverage(beta_binomial["alpha"], beta_binomial["beta"], ks),
            "power_law": law(ks, power_law["a"], power_law["b"]),
        }
    )
    params = {"k_fit": int(thinned["num_samples"].min()), **beta_binomial, "a": power_law["a"], "b": power_law["b"]}
    return table, params
