"""Choosing one answer out of k samples without an oracle: majority vote and best-of-k by a score.

`success@k` is the expected fraction of problems whose *chosen* sample is correct when k samples
are drawn at random; coverage (pass@k) is the same with a perfect verifier, an upper bound.

- Best-of-k by score has an exact unbiased estimator: with the n samples ranked by score (ties
  by sample index), the top-scored of a random k-subset is rank i with probability
  C(n-1-i, k-1) / C(n, k).
- Majority vote has none in closed form; it is estimated over random orderings of the n samples
  (the first k of each ordering is a random k-subset). Samples without an extracted answer do not
  vote; a tie goes to the answer that reached the tied count first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from monkeys.coverage import bootstrap_band, count_correct, pass_at_k
from monkeys.fits import fit_points


def best_of_k(correct: np.ndarray, scores: np.ndarray, ks) -> np.ndarray:
    """Success@k of picking the highest-scored of k random samples of one problem."""
    n = len(correct)
    order = np.lexsort((np.arange(n), -np.asarray(scores, dtype=float)))
    ranked = np.asarray(correct, dtype=float)[order]
    i = np.arange(n)[:, None]
    k = np.asarray(ks)[None, :]
    if k.max() > n:
        raise ValueError(f"k up to {k.max()} but only {n} samples")
    with np.errstate(invalid="ignore", divide="ignore"):
        log_weight = (gammaln(n - i) - gammaln(k) - gammaln(n - i - k + 1)) - (gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))
        weight = np.where(n - 1 - i >= k - 1, np.exp(log_weight), 0.0)
    return ranked @ weight


def majority_vote(answers: list, correct: np.ndarray, ks, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """Success@k of the majority answer among k random samples of one problem (Monte Carlo)."""
    n = len(answers)
    labels = {a: i for i, a in enumerate(dict.fromkeys(a for a in answers if a is not None))}
    codes = np.array([labels.get(a, -1) if a is not None else -1 for a in answers])
    code_correct = np.zeros(len(labels) + 1, dtype=bool)  # last slot: "no leader yet"
    for code, ok in zip(codes, correct):
        if code >= 0:
            code_correct[code] = ok
    order = np.argsort(rng.random((permutations, n)), axis=1)
    drawn = codes[order]
    rows = np.arange(permutations)
    votes = np.zeros((permutations, len(labels) + 1), dtype=np.int64)
    leader = np.full(permutations, len(labels))
    leader_votes = np.zeros(permutations, dtype=np.int64)
    wanted = set(int(k) for k in ks)
    success = {}
    for t in range(n):
        code = drawn[:, t]
        voted = code >= 0
        votes[rows[voted], code[voted]] += 1
        ahead = voted & (votes[rows, np.maximum(code, 0)] > leader_votes)
        leader[ahead] = code[ahead]
        leader_votes[ahead] = votes[rows[ahead], code[ahead]]
        if t + 1 in wanted:
            success[t + 1] = code_correct[leader].mean()
    return np.array([success[int(k)] for k in ks])


def selection_curves(verdicts: pd.DataFrame, scores: pd.DataFrame | None, ks, permutations: int, seed: int):
    """Per-problem success matrices (problems x ks) for majority vote and, given scores, best-of-k."""
    rng = np.random.default_rng(seed)
    frame = verdicts if scores is None else verdicts.merge(scores, on=["problem_id", "sample_idx"], validate="one_to_one")
    frame = frame.sort_values(["problem_id", "sample_idx"])
    vote_rows, score_rows = [], []
    for _, group in frame.groupby("problem_id", sort=True):
        answers = [None if pd.isna(a) else a for a in group["extracted"]]
        correct = group["correct"].to_numpy(dtype=bool)
        vote_rows.append(majority_vote(answers, correct, ks, permutations, rng))
        if scores is not None:
            score_rows.append(best_of_k(correct, group["score"].to_numpy(), ks))
    curves = {"majority vote": np.array(vote_rows)}
    if scores is not None:
        curves["best-of-k by score"] = np.array(score_rows)
    return curves


def select(verdicts: pd.DataFrame, scores: pd.DataFrame | None, spec: dict) -> pd.DataFrame:
    """Success@k with bootstrap bands for the oracle (coverage), majority vote and best-of-k."""
    counts = count_correct(verdicts)
    ks = fit_points(int(counts["num_samples"].min()), spec["num_points"])
    vote = spec["majority_vote"]
    curves = {"coverage (oracle)": pass_at_k(counts["num_samples"], counts["num_correct"], ks)}
    curves |= selection_curves(verdicts, scores, ks, vote["permutations"], vote["seed"])
    boot = spec["bootstrap"]
    tables = []
    for method, per_problem in curves.items():
        low, high = bootstrap_band(per_problem, boot["resamples"], boot["confidence"], boot["seed"])
        tables.append(pd.DataFrame({"method": method, "k": ks, "success": per_problem.mean(axis=0), "ci_low": low, "ci_high": high}))
    return pd.concat(tables, ignore_index=True)
