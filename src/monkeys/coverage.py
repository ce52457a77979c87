"""Coverage (pass@k): the fraction of problems solved by at least one of k samples.

Fixed number of samples
-----------------------
For a problem with n samples of which c are correct, the unbiased estimator of the probability
that k samples drawn without replacement contain a correct one is 1 - C(n-c, k) / C(n, k)
(Chen et al. 2021). It is evaluated in log space with `gammaln`, so n = 10,000 is exact enough and
fast, and computed once per distinct (n, c) pair: many problems share the same counts.

Adaptive allocation (stop a problem once it is solved s times)
---------------------------------------------------------------
Samples are drawn in chunks of m: chunk j holds samples j*m .. (j+1)*m - 1, the last chunk is cut
at the budget N. After each chunk is verified, a problem with at least s >= 1 correct samples gets
no more chunks; the others go on to N. Solved problems stop early, which is where the savings are,
but the fixed-n estimator is then biased: the stopping rule makes the successes of a stopped
problem cluster in its last chunk, and the estimator assumes they are spread uniformly.

Unbiased estimator, by Rao-Blackwellisation. Let X_1, X_2, ... be a problem's i.i.d. Bernoulli(p)
outcomes and U_k = 1{X_1 = ... = X_k = 0}, so E[U_k] = (1-p)^k = 1 - coverage(k). U_k is observed
for every k <= N: if k <= n it is read off the samples drawn; if k > n the problem stopped with
c >= s >= 1 successes among its first n samples, so U_k = 0. The sufficient statistic is (n, c):
every sequence that ends the design at n samples with c correct has probability p^c (1-p)^(n-c).
Those sequences are the orderings of c successes in n slots whose prefix of length
r = m * (ceil(n/m) - 1) (the last chunk boundary before n) holds fewer than s successes (else the
problem would have stopped at r). Given (n, c) they are equally likely, so with L = n - r (the last
chunk's size) and terms outside 0 <= j <= r, 0 <= c-j <= L counted as zero:

    V(n, c)   = sum_{j=0}^{s-1} C(r, j) C(L, c-j)              (orderings consistent with the data)
    A_k(n, c) = sum_{j=0}^{s-1} C(r-k, j) C(L, c-j)   k <= r   (of those, first k samples fail)
              = C(n-k, c)                             r < k <= n
              = 0                                     k > n    (only for a stopped problem)
    pass@k    = 1 - A_k / V   = E[1 - U_k | n, c]

which is unbiased because E[E[U_k | n, c]] = E[U_k], and has the least variance among unbiased
estimators that depend on (n, c). When c < s the prefix condition cannot fail, the sums are
Vandermonde's identity, V = C(n, c) and A_k = C(n-k, c): the fixed-n estimator. That includes every
problem when nothing stops early, so one code path serves both designs. The formula needs only
(n, c, m, s); whether a problem stopped decides the k it allows: a problem drawn to its budget
allows k <= n, as with fixed n, and a stopped one any k (its pass@k is 1 beyond n).

The binomial likelihood kernel p^c (1-p)^(n-c) is unchanged by stopping (V does not depend on p),
so likelihood-based fits such as the beta-binomial model stay valid on adaptive counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, logsumexp

COUNT_COLUMNS = ["problem_id", "num_samples", "num_correct"]
# Per-problem design of adaptive allocation: chunk size m, stop threshold s, and whether the
# problem stopped before its budget (num_samples < the experiment's n_samples).
ADAPTIVE_COLUMNS = ["chunk_size", "stop_after_correct", "stopped"]


def pass_at_k(num_samples, num_correct, ks) -> np.ndarray:
    """Unbiased pass@k for each problem (rows) and each k (columns), every problem having been
    given a fixed number of samples.

    Raises ValueError when some k exceeds a problem's number of samples: the estimator is
    undefined there, and reporting 1.0 would overstate coverage.
    """
    n, c, k = _check_counts(num_samples, num_correct, ks)
    if k.size and k.max() > n.min():
        raise ValueError(f"k must lie in [1, {n.min()}] (the fewest samples of any problem); got up to {k.max()}")
    pairs, inverse = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True)
    return _fixed_n(pairs[:, 0:1], pairs[:, 1:2], k[None, :])[inverse.reshape(-1)]


def adaptive_pass_at_k(num_samples, num_correct, ks, chunk_size, stop_after_correct, stopped) -> np.ndarray:
    """Unbiased pass@k (problems x ks) under adaptive allocation (module docstring).

    chunk_size, stop_after_correct and stopped are per problem (arrays) or one value for all.
    k may exceed a stopped problem's samples (its pass@k is 1 there) but not those of a problem
    drawn to its budget.
    """
    n, c, k = _check_counts(num_samples, num_correct, ks)
    m = np.broadcast_to(np.asarray(chunk_size, dtype=np.int64), n.shape)
    s = np.broadcast_to(np.asarray(stop_after_correct, dtype=np.int64), n.shape)
    stop = np.broadcast_to(np.asarray(stopped, dtype=bool), n.shape)
    bad = adaptive_violations(n, c, m, s, stop)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"counts do not follow the stopping rule (first bad row {i}: n={n[i]}, c={c[i]}, "
                         f"chunk_size={m[i]}, stop_after_correct={s[i]}, stopped={stop[i]})")
    if k.size and (~stop).any() and k.max() > n[~stop].min():
        raise ValueError(f"k must lie in [1, {n[~stop].min()}] (the fewest samples of a problem that did not stop); "
                         f"got up to {k.max()}")

    r = m * ((n - 1) // m)  # last chunk boundary before n; the prefix [0, r) held < s successes
    # Only c >= s needs the stopping correction; below it the prefix condition always holds.
    s = np.where(c < s, n + 1, s)
    rows, inverse = np.unique(np.stack([n, c, r, s], axis=1), axis=0, return_inverse=True)
    corrected = rows[:, 1] >= rows[:, 3]
    solved = np.empty((len(rows), k.size))
    solved[~corrected] = _fixed_n(rows[~corrected, 0:1], rows[~corrected, 1:2], k[None, :])
    if corrected.any():
        solved[corrected] = _stopping_corrected(*(rows[corrected, i : i + 1] for i in range(4)), k[None, :])
    return solved[inverse.reshape(-1)]


def _stopping_corrected(n, c, r, s, k) -> np.ndarray:
    """1 - A_k / V (module docstring) for rows (column vectors n, c, r, s) with c >= s.

    Written as a mixture over j, the successes in the prefix: with weights pi_j proportional to
    C(r, j) C(L, c-j) (j < s), A_k / V = sum_j pi_j rho_j(k), where for k <= r
    rho_j(k) = C(r-k, j) / C(r, j) = prod_{i<j} (1 - k/(r-i)), and for k > r only j = 0 survives
    with rho_0(k) = C(n-k, c) / C(L, c). Then pass@k = sum_j pi_j (1 - rho_j(k)) is a sum of
    non-negative terms, each 1 - rho from log1p/expm1: no cancellation, even for pass@k ~ 1e-4
    at n = 10,000.
    """
    last = n - r
    j_low = np.maximum(0, c - last)
    j_high = np.minimum(np.minimum(s - 1, c), r)
    j = j_low + np.arange(int((j_high - j_low).max()) + 1)[None, :]  # (rows, terms)
    log_weight = np.where(j <= j_high, log_comb(r, j) + log_comb(last, c - j), -np.inf)
    weight = np.exp(log_weight - logsumexp(log_weight, axis=1, keepdims=True))
    # Add pi_i (1 - rho_i(k)) for i = 0, 1, ..., carrying log rho_i(k) (memory: one rows x ks array).
    rows = np.arange(len(r))
    in_prefix = np.zeros(np.broadcast_shapes(r.shape, k.shape))
    log_rho = np.zeros_like(in_prefix)
    for i in range(int(j_high.max()) + 1):
        column = i - j_low[:, 0]
        pi = np.where((column >= 0) & (i <= j_high[:, 0]), weight[rows, np.clip(column, 0, j.shape[1] - 1)], 0.0)
        in_prefix += pi[:, None] * -np.expm1(log_rho)
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero factor (k >= r - i) makes rho 0
            log_rho += np.where(k < r - i, np.log1p(-k / (r - i)), -np.inf)
    # k > r: the first r samples all failed (j = 0, possible only if c <= L), then C(n-k, c) / C(L, c).
    j0 = j_low == 0
    with np.errstate(invalid="ignore"):
        one_minus_rho_0 = np.where(j0, -np.expm1(log_comb(n - k, c) - log_comb(last, c)), 1.0)
    beyond_prefix = np.where(j0, weight[:, 1:].sum(axis=1, keepdims=True) + weight[:, :1] * one_minus_rho_0, 1.0)
    return np.clip(np.where(k <= r, in_prefix, beyond_prefix), 0.0, 1.0)


def adaptive_violations(n, c, m, s, stopped) -> np.ndarray:
    """Rows that cannot come from the design: chunk size and threshold must be positive; a stopped
    problem holds >= s correct samples in whole chunks; and a problem with >= s correct had at most
    s - 1 of them before its last chunk (else it would have stopped there)."""
    n, c, m, s, stopped = (np.asarray(x) for x in (n, c, m, s, stopped))
    m_ok = np.maximum(m, 1)
    last = n - m_ok * ((n - 1) // m_ok)
    return (m < 1) | (s < 1) | (stopped & ((c < s) | (n % m_ok != 0))) | ((c >= s) & (c > s - 1 + last))


def log_comb(a, b) -> np.ndarray:
    """log C(a, b), -inf where the binomial coefficient is zero (b < 0, b > a or a < 0)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    valid = (b >= 0) & (b <= a)
    a0, b0 = np.where(valid, a, 0.0), np.where(valid, b, 0.0)
    return np.where(valid, gammaln(a0 + 1) - gammaln(b0 + 1) - gammaln(a0 - b0 + 1), -np.inf)


def _check_counts(num_samples, num_correct, ks):
    n = np.asarray(num_samples, dtype=np.int64)
    c = np.asarray(num_correct, dtype=np.int64)
    k = np.asarray(ks, dtype=np.int64).reshape(-1)
    if n.shape != c.shape or n.ndim != 1:
        raise ValueError("num_samples and num_correct must be 1-d arrays of equal length")
    if np.any(c < 0) or np.any(c > n):
        raise ValueError("num_correct must lie in [0, num_samples]")
    if k.size and k.min() < 1:
        raise ValueError(f"k must be at least 1; got {k.min()}")
    return n, c, k


def _fixed_n(n, c, k) -> np.ndarray:
    """1 - C(n-c, k) / C(n, k) for broadcastable n, c, k; 1 where k > n - c (and c > 0)."""
    failures = n - c
    # log C(n-c, k) - log C(n, k); the k! terms cancel.
    # Where k > n - c every draw of k samples holds a correct one; gammaln is undefined there.
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = gammaln(failures + 1) + gammaln(n - k + 1) - gammaln(failures - k + 1) - gammaln(n + 1)
        solved = np.where(k > failures, 1.0, -np.expm1(log_ratio))
    # Exactly 0 for unsolved problems (rounding in gammaln would leave ~1e-15) and within [0, 1].
    return np.where(c == 0, 0.0, np.clip(solved, 0.0, 1.0))


def is_adaptive(counts: pd.DataFrame) -> bool:
    """Whether a counts table comes from adaptive allocation (carries all ADAPTIVE_COLUMNS)."""
    present = [column for column in ADAPTIVE_COLUMNS if column in counts.columns]
    if present and len(present) < len(ADAPTIVE_COLUMNS):
        raise ValueError(f"adaptive counts need all of {ADAPTIVE_COLUMNS}; got only {present}")
    return bool(present)


def largest_k(counts: pd.DataFrame) -> int:
    """The largest k at which every problem's pass@k is estimable: the fewest samples of a problem
    that was not stopped early (a stopped problem allows any k). If every problem stopped, the
    budget is unknown but at least the most samples drawn."""
    n = counts["num_samples"]
    if not is_adaptive(counts):
        return int(n.min())
    drawn_to_budget = n[~counts["stopped"].astype(bool)]
    return int(drawn_to_budget.min() if len(drawn_to_budget) else n.max())


def per_problem_pass_at_k(counts: pd.DataFrame, ks) -> np.ndarray:
    """pass@k (problems x ks) with the estimator the table's design calls for."""
    if is_adaptive(counts):
        return adaptive_pass_at_k(counts["num_samples"], counts["num_correct"], ks,
                                  counts["chunk_size"], counts["stop_after_correct"], counts["stopped"])
    return pass_at_k(counts["num_samples"], counts["num_correct"], ks)


def coverage_curve(
    counts: pd.DataFrame,
    ks=None,
    n_bootstrap: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Coverage at each k (default 1..largest_k) with a percentile bootstrap band over problems.

    Counts with ADAPTIVE_COLUMNS use the adaptive estimator; the band resamples problems either way
    (each problem's estimate is unbiased for its own coverage, so their mean is a mean of i.i.d. terms).
    """
    if counts.empty:
        raise ValueError("no problems to aggregate")
    if ks is None:
        ks = np.arange(1, largest_k(counts) + 1)
    per_problem = per_problem_pass_at_k(counts, ks)
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


def count_correct(verdicts: pd.DataFrame, *, chunk_size: int | None = None, stop_after_correct: int | None = None,
                  max_samples: int | None = None) -> pd.DataFrame:
    """Per-problem (num_samples, num_correct) from per-sample verdicts.

    With the adaptive design (chunk_size, stop_after_correct, max_samples all given) the table also
    carries ADAPTIVE_COLUMNS, and the verdicts are checked against the stopping rule, since the
    estimator is unbiased only if the rule was followed exactly: each problem's samples are
    sample_idx 0..n-1; a problem below max_samples stopped at a chunk boundary with >= s correct;
    and no problem held >= s correct at an earlier boundary.
    """
    grouped = verdicts.groupby("problem_id", sort=True)["correct"]
    counts = pd.DataFrame({"num_samples": grouped.size(), "num_correct": grouped.sum()}).reset_index()
    counts = counts.astype({"num_samples": "int64", "num_correct": "int64"})
    design = (chunk_size, stop_after_correct, max_samples)
    if all(value is None for value in design):
        return counts
    if any(value is None for value in design):
        raise ValueError("the adaptive design needs chunk_size, stop_after_correct and max_samples")
    n = counts["num_samples"].to_numpy()
    counts = counts.assign(chunk_size=chunk_size, stop_after_correct=stop_after_correct, stopped=n < max_samples)
    prefix_end = chunk_size * ((counts.set_index("problem_id")["num_samples"] - 1) // chunk_size)
    in_prefix = verdicts["sample_idx"] < verdicts["problem_id"].map(prefix_end)
    per_problem = verdicts.assign(prefix_correct=verdicts["correct"].astype(bool) & in_prefix).groupby("problem_id", sort=True).agg(
        idx_max=("sample_idx", "max"), idx_unique=("sample_idx", "nunique"), prefix_correct=("prefix_correct", "sum"))
    bad = (
        adaptive_violations(n, counts["num_correct"].to_numpy(), chunk_size, stop_after_correct, counts["stopped"].to_numpy())
        | (n > max_samples)
        | (per_problem["idx_max"].to_numpy() != n - 1)
        | (per_problem["idx_unique"].to_numpy() != n)
        | (per_problem["prefix_correct"].to_numpy() >= stop_after_correct)
    )
    if bad.any():
        raise ValueError(f"verdicts do not follow the stopping rule (chunk_size={chunk_size}, "
                         f"stop_after_correct={stop_after_correct}, max_samples={max_samples}): "
                         f"problems {counts.problem_id[bad].tolist()[:5]}")
    return counts


def read_counts(path) -> pd.DataFrame:
    """Read a per-problem counts CSV (e.g. published results) and check it; ADAPTIVE_COLUMNS are
    kept when present."""
    counts = pd.read_csv(path)
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; expected {COUNT_COLUMNS}")
    adaptive = is_adaptive(counts)
    types = {"problem_id": str, "num_samples": "int64", "num_correct": "int64"}
    if adaptive:
        types |= {"chunk_size": "int64", "stop_after_correct": "int64", "stopped": bool}
    counts = counts[COUNT_COLUMNS + (ADAPTIVE_COLUMNS if adaptive else [])].astype(types)
    if counts["problem_id"].duplicated().any():
        raise ValueError(f"{path}: duplicate problem_id values")
    bad = (counts.num_correct < 0) | (counts.num_correct > counts.num_samples) | (counts.num_samples < 1)
    if adaptive:
        bad |= adaptive_violations(counts.num_samples, counts.num_correct, counts.chunk_size,
                                   counts.stop_after_correct, counts.stopped)
    if bad.any():
        raise ValueError(f"{path}: need 0 <= num_correct <= num_samples and num_samples >= 1"
                         f"{' and a stopped problem to hold >= stop_after_correct correct in whole chunks' if adaptive else ''}; "
                         f"bad rows: {counts.problem_id[bad].tolist()[:5]}")
    return counts


def aggregate(spec: dict, verdicts: list[pd.DataFrame] | None = None, counts_csv: str | None = None):
    """The `aggregate` rule: per-problem counts (from verdict chunks, or an imported CSV) and the
    coverage curve with its bootstrap band. Returns (counts, curve)."""
    if counts_csv is not None:
        counts = read_counts(counts_csv)
    else:
        design = spec.get("allocation")
        counts = count_correct(
            pd.concat(verdicts).astype({"correct": bool}),
            **({"chunk_size": design["chunk_size"], "stop_after_correct": design["stop_after_correct"],
                "max_samples": design["n_samples"]} if design else {}),
        )
    bootstrap = spec["bootstrap"]
    curve = coverage_curve(counts, n_bootstrap=bootstrap["resamples"], confidence=bootstrap["confidence"],
                           seed=bootstrap["seed"])
    return counts, curve
