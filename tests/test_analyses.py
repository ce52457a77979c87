"""FLOPs and dollars, majority vote and best-of-k, and the beta-binomial extrapolation."""

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from monkeys.extrapolation import beta_binomial_coverage, extrapolate, fit_beta_binomial, thin_counts
from monkeys.selection import best_of_k, majority_vote, select
from monkeys.tokens import count_tokens, dollars_at, flops_at, flops_over_positions

MODEL = {"parameters": 1000, "layers": 2, "d_model": 8}


def test_flops_formula_on_a_hand_computed_case():
    # One problem, prompt of 3 tokens, two samples generating 2 and 4 tokens.
    samples = pd.DataFrame({"problem_id": ["p", "p"], "num_prompt_tokens": [3, 3], "num_output_tokens": [2, 4]})
    usage = count_tokens(samples)
    # Per token 2 * (N + 2 * L * context * d) = 2 * (1000 + 2 * 2 * context * 8) = 2000 + 64 * context.
    prefill = sum(2000 + 64 * c for c in (1, 2, 3))  # contexts 1, 2, 3
    gen_a = sum(2000 + 64 * c for c in (4, 5))
    gen_b = sum(2000 + 64 * c for c in (4, 5, 6, 7))
    assert flops_at(usage, [1, 2], MODEL) == pytest.approx([prefill + (gen_a + gen_b) / 2, prefill + gen_a + gen_b])
    assert flops_over_positions(3, 1, 1000, 2, 8) == prefill


def test_dollars():
    usage = pd.DataFrame({"num_prompt_tokens": [1000, 3000], "mean_output_tokens": [100.0, 300.0]})
    price = {"input_per_mtok": 5.0, "output_per_mtok": 15.0, "date": "2024-07"}
    per_sample = (4000 * 5 + 400 * 15) / 1e6
    assert dollars_at(usage, [1, 10], price) == pytest.approx([per_sample, 10 * per_sample])


def enumerate_majority(answers, correct, k):
    """Exact success@k of majority vote over all orderings (ties: first to reach the count)."""
    n = len(answers)
    wins = total = 0
    for order in itertools.permutations(range(n)):
        counts, leader, best = Counter(), None, 0
        for i in order[:k]:
            if answers[i] is None:
                continue
            counts[answers[i]] += 1
            if counts[answers[i]] > best:
                leader, best = answers[i], counts[answers[i]]
        wins += leader is not None and correct[answers.index(leader)]
        total += 1
    return wins / total


def test_majority_vote_matches_enumeration_with_ties_and_unanswered_samples():
    answers = ["7", "3", None, "3", "7", None]
    correct = np.array([a == "7" for a in answers])
    ks = [1, 2, 3, 4, 5, 6]
    got = majority_vote(answers, correct, ks, permutations=20_000, rng=np.random.default_rng(0))
    want = [enumerate_majority(answers, correct, k) for k in ks]
    np.testing.assert_allclose(got, want, atol=0.015)
    # With every sample drawn the vote is fixed: 7 and 3 tie at 2; the earlier to reach 2 wins,
    # which is 7 in exactly half of the orderings.
    assert want[-1] == pytest.approx(0.5)


def test_majority_vote_without_answers_never_succeeds():
    got = majority_vote([None, None], np.array([False, False]), [1, 2], 10, np.random.default_rng(0))
    assert (got == 0).all()


def test_best_of_k_is_exact():
    correct = np.array([False, True, False, True, False])
    scores = np.array([0.9, 0.8, 0.8, 0.1, 0.5])  # the tie 0.8 goes to the lower sample index
    n = len(correct)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(range(n), k))
        picks = [min(s, key=lambda i: (-scores[i], i)) for s in subsets]
        want = np.mean([correct[i] for i in picks])
        assert best_of_k(correct, scores, [k])[0] == pytest.approx(want)


def test_select_orders_oracle_above_the_others():
    rng = np.random.default_rng(1)
    rows = []
    for p in range(6):
        for s in range(16):
            ok = rng.random() < 0.3
            rows.append((f"p{p}", s, "42" if ok else str(rng.integers(0, 3)), ok))
    verdicts = pd.DataFrame(rows, columns=["problem_id", "sample_idx", "extracted", "correct"])
    scores = verdicts[["problem_id", "sample_idx"]].assign(score=rng.random(len(verdicts)))
    spec = {"num_points": 10, "majority_vote": {"permutations": 50, "seed": 0},
            "bootstrap": {"resamples": 100, "confidence": 0.9, "seed": 0}}
    table = select(verdicts, scores, spec)
    assert set(table["method"]) == {"coverage (oracle)", "majority vote", "best-of-k by score"}
    wide = table.pivot(index="k", columns="method", values="success")
    assert (wide["coverage (oracle)"] >= wide["majority vote"] - 1e-12).all()
    assert (wide["coverage (oracle)"] >= wide["best-of-k by score"] - 1e-12).all()
    assert wide["best-of-k by score"].iloc[0] == pytest.approx(wide["coverage (oracle)"].iloc[0])  # k = 1


def test_beta_binomial_fit_recovers_known_parameters():
    rng = np.random.default_rng(0)
    alpha, beta = 0.4, 3.0
    p = rng.beta(alpha, beta, size=3000)
    counts = pd.DataFrame({"problem_id": range(3000), "num_samples": 100, "num_correct": rng.binomial(100, p)})
    fit = fit_beta_binomial(counts)
    assert fit["converged"]
    assert fit["alpha"] == pytest.approx(alpha, rel=0.1)
    assert fit["beta"] == pytest.approx(beta, rel=0.1)


def test_beta_binomial_coverage_closed_form():
    # Beta(1, 1) is uniform: 1 - E[(1 - p)^k] = 1 - 1 / (k + 1).
    ks = np.array([1, 2, 10, 1000])
    np.testing.assert_allclose(beta_binomial_coverage(1.0, 1.0, ks), 1 - 1 / (ks + 1))


def test_thinning_keeps_counts_consistent():
    counts = pd.DataFrame({"problem_id": ["a", "b", "c"], "num_samples": [100, 100, 100], "num_correct": [0, 50, 100]})
    thinned = thin_counts(counts, 0.1, seed=0)
    assert thinned["num_samples"].tolist() == [10, 10, 10]
    assert thinned["num_correct"].tolist()[0] == 0 and thinned["num_correct"].tolist()[2] == 10


def test_extrapolation_from_a_tenth_predicts_the_measured_curve():
    rng = np.random.default_rng(3)
    p = rng.beta(0.5, 4.0, size=400)
    counts = pd.DataFrame({"problem_id": range(400), "num_samples": 1000, "num_correct": rng.binomial(1000, p)})
    table, params = extrapolate(counts, {"fraction": 0.1, "seed": 0, "num_points": 40})
    assert params["k_fit"] == 100 and len(table) == 1000
    error = np.abs(table["beta_binomial"] - table["measured"]).max()
    assert error < 0.05, error
    assert math.isfinite(params["a"])
