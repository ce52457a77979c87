"""Coverage (pass@k): the fraction of problems solved by at least one of k samples.

For a problem with n samples of which c are correct, the unbiased estimator of the probability
that k samples drawn without replacement contain a correct one is 1 - C(n-c, k) / C(n, k)
(Chen et al. 2021). It is evaluated in log space with `gammaln`, so n = 10,000 is exact enough and
fast, and computed once per distinct (n, c) pair: many problems share the same counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

COUNT_COLUMNS = ["problem_id", "num_samples", "num_correct"]


def pass_at_k(num_samples, num_correct, ks) -> np.ndarray:
    """Unbiased pass@k for each problem (rows) and each k (columns).

    Raises ValueError when some k exceeds a problem's number of samples: the estimator is
    undefined there, and reporting 1.0 would overstate coverage.
    """
    n = np.asarray(num_samples, dtype=np.int64)
    c = np.asarray(num_correct, dtype=np.int64)
    k = np.asarray(ks, dtype=np.int64)
    if n.shape != c.shape or n.ndim != 1:
        raise ValueError("num_samples and num_correct must be 1-d arrays of equal length")
    if np.any(c < 0) or np.any(c > n):
        raise ValueError("num_correct must lie in [0, num_samples]")
    if k.size and (k.min() < 1 or k.max() > n.min()):
        raise ValueError(f"k must lie in [1, {n.min()}] (the fewest samples of any problem); got up to {k.max()}")

    pairs, inverse = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True)
    pn, pc = pairs[:, 0:1], pairs[:, 1:2]
    failures = pn - pc
    # log C(n-c, k) - log C(n, k); the k! terms cancel.
    # Where k > n - c every draw of k samples holds a correct one; gammaln is undefined there.
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = gammaln(failures + 1) + gammaln(pn - k + 1) - gammaln(failures - k + 1) - gammaln(pn + 1)
        solved = np.where(k > failures, 1.0, -np.expm1(log_ratio))
    # Exactly 0 for unsolved problems (rounding in gammaln would leave ~1e-15) and within [0, 1].
    solved = np.where(pc == 0, 0.0, np.clip(solved, 0.0, 1.0))
    return solved[inverse.reshape(-1)]


def coverage_curve(
    counts: pd.DataFrame,
    ks=None,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Coverage at each k (default 1..min n) with a percentile bootstrap band over problems."""
    if counts.empty:
        raise ValueError("no problems to aggregate")
    if ks is None:
        ks = np.arange(1, int(counts["num_samples"].min()) + 1)
    per_problem = pass_at_k(counts["num_samples"], counts["num_correct"], ks)
    curve = pd.DataFrame({"k": np.asarray(ks), "coverage": per_problem.mean(axis=0)})
    if n_bootstrap:
        low, high = bootstrap_band(per_problem, n_bootstrap, confidence, seed)
        curve["ci_low"], curve["ci_high"] = low, high
    return curve


def bootstrap_band(per_problem: np.ndarray, n_bootstrap: int, confidence: float, seed: int):
    """Percentile interval of the mean over problems, resampling problems with replacement.

    A resample is a vector of multiplicities, so all resamples are one matrix product.
    """
    rng = np.random.default_rng(seed)
    m = per_problem.shape[0]
    weights = rng.multinomial(m, np.full(m, 1.0 / m), size=n_bootstrap) / m
    means = weights @ per_problem
    alpha = (1.0 - confidence) / 2.0
    return np.quantile(means, alpha, axis=0), np.quantile(means, 1.0 - alpha, axis=0)


def count_correct(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Per-problem (num_samples, num_correct) from per-sample verdicts."""
    grouped = verdicts.groupby("problem_id", sort=True)["correct"]
    counts = pd.DataFrame({"num_samples": grouped.size(), "num_correct": grouped.sum()}).reset_index()
    return counts.astype({"num_samples": "int64", "num_correct": "int64"})


def read_counts(path) -> pd.DataFrame:
    """Read a per-problem counts CSV (e.g. published results) and check it."""
    counts = pd.read_csv(path)
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; expected {COUNT_COLUMNS}")
    counts = counts[COUNT_COLUMNS].astype({"problem_id": str, "num_samples": "int64", "num_correct": "int64"})
    if counts["problem_id"].duplicated().any():
        raise ValueError(f"{path}: duplicate problem_id values")
    bad = counts[(counts.num_correct < 0) | (counts.num_correct > counts.num_samples) | (counts.num_samples < 1)]
    if not bad.empty:
        raise ValueError(f"{path}: need 0 <= num_correct <= num_samples and num_samples >= 1; bad rows: {bad.problem_id.tolist()[:5]}")
    return counts
