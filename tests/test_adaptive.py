"""The adaptive-allocation coverage estimator (monkeys.coverage.adaptive_pass_at_k) is exactly unbiased:
checked by enumerating every outcome sequence, against the conditional distribution it claims to
average over, at n = 10,000 against exact rational arithmetic, and by Monte Carlo against the
biased fixed-n formula."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from monkeys.coverage import adaptive_pass_at_k, pass_at_k


def run_design(outcomes, chunk_size: int, stop_after_correct: int):
    """(n, c, stopped) of one problem whose full outcome sequence (length = budget) is `outcomes`."""
    budget = len(outcomes)
    for end in range(chunk_size, budget, chunk_size):
        if sum(outcomes[:end]) >= stop_after_correct:
            return end, sum(outcomes[:end]), True
    return budget, sum(outcomes), False


def simulate(p, budget: int, chunk_size: int, stop_after_correct: int, replications: int, rng):
    """(n, c, stopped) arrays (replications x problems) of the design, one binomial draw per chunk."""
    sizes = np.diff(np.minimum(np.arange(0, budget + chunk_size, chunk_size), budget))
    sizes = sizes[sizes > 0]
    cumulative = rng.binomial(sizes[None, None, :], np.asarray(p)[None, :, None], size=(replications, len(p), len(sizes))).cumsum(axis=2)
    ends = np.cumsum(sizes)
    reached = cumulative[:, :, :-1] >= stop_after_correct  # the last chunk ends at the budget anyway
    stopped = reached.any(axis=2)
    chunk = np.where(stopped, reached.argmax(axis=2), len(sizes) - 1)
    n = ends[chunk]
    c = np.take_along_axis(cumulative, chunk[..., None], axis=2)[..., 0]
    return n, c, stopped


@pytest.mark.parametrize("budget,chunk_size,stop_after_correct", [(6, 2, 1), (7, 3, 2), (6, 1, 1), (8, 3, 3), (8, 2, 2), (5, 5, 1)])
def test_expectation_over_all_sequences_is_true_coverage(budget, chunk_size, stop_after_correct):
    sequences = list(itertools.product([0, 1], repeat=budget))
    observed = np.array([run_design(x, chunk_size, stop_after_correct) for x in sequences])
    ks = np.arange(1, budget + 1)
    estimate = adaptive_pass_at_k(observed[:, 0], observed[:, 1], ks, chunk_size, stop_after_correct, observed[:, 2].astype(bool))
    successes = np.array([sum(x) for x in sequences])
    for p in (0.05, 0.3, 0.5, 0.9):
        probability = p**successes * (1 - p) ** (budget - successes)
        np.testing.assert_allclose(probability @ estimate, 1 - (1 - p) ** ks, rtol=0, atol=1e-13)


@pytest.mark.parametrize("budget,chunk_size,stop_after_correct", [(8, 2, 1), (9, 3, 2), (7, 2, 3)])
def test_estimate_is_the_average_over_orderings_consistent_with_the_data(budget, chunk_size, stop_after_correct):
    """Rao-Blackwell: given (n, c), every full sequence that yields it is equally likely, and the
    estimate is the fraction of them whose first k samples are not all wrong."""
    by_outcome = {}
    for x in itertools.product([0, 1], repeat=budget):
        n, c, stopped = run_design(x, chunk_size, stop_after_correct)
        by_outcome.setdefault((n, c, stopped), set()).add(x[:n])
    ks = np.arange(1, budget + 1)
    for (n, c, stopped), prefixes in by_outcome.items():
        want = [np.mean([any(x[:k]) for x in prefixes]) for k in ks]
        got = adaptive_pass_at_k([n], [c], ks, chunk_size, stop_after_correct, [stopped])[0]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-13, err_msg=f"n={n} c={c} stopped={stopped}")


def test_reduces_to_fixed_n_when_nothing_stops():
    rng = np.random.default_rng(0)
    n = np.full(300, 1000)
    c = rng.binomial(n, 10 ** rng.uniform(-4, 0, n.size))
    ks = np.unique(np.rint(np.logspace(0, 3, 40)).astype(int))
    fixed = pass_at_k(n, c, ks)
    np.testing.assert_array_equal(adaptive_pass_at_k(n, c, ks, 100, n.max() + 1, False), fixed)
    # Problems below the threshold are untouched by the stopping rule, whatever the threshold.
    below = c < 3
    np.testing.assert_array_equal(adaptive_pass_at_k(n[below], c[below], ks, 100, 3, False), fixed[below])


def test_threshold_one_reads_the_first_success_chunk():
    """s = 1: the samples before the last chunk were all wrong, so pass@k is 0 up to them."""
    got = adaptive_pass_at_k([300], [2], [1, 200, 201, 250, 300, 301, 10_000], 100, 1, True)[0]
    want = [0, 0, 1 - math.comb(99, 2) / math.comb(100, 2), 1 - math.comb(50, 2) / math.comb(100, 2), 1, 1, 1]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_exact_at_ten_thousand_samples():
    n, c, m, s = 5_000, 4, 100, 3  # stopped in chunk 50 with 4 correct, at most 2 of them before it
    r, last = n - m, m
    ks = [1, 2, 10, 100, 1_000, 4_899, 4_900, 4_901, 4_950, 5_000]

    def exact(k):
        consistent = sum(math.comb(r, j) * math.comb(last, c - j) for j in range(s))
        if k <= r:
            first_k_fail = sum(math.comb(r - k, j) * math.comb(last, c - j) for j in range(s))
        else:
            first_k_fail = math.comb(n - k, c)
        return float(1 - Fraction(first_k_fail, consistent))

    got = adaptive_pass_at_k([n, 10_000], [c, 1], ks, m, s, [True, False])
    np.testing.assert_allclose(got[0], [exact(k) for k in ks], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[1], np.array(ks) / 10_000, rtol=0, atol=1e-10)  # fixed-n path


def test_monte_carlo_mean_is_true_coverage_and_fixed_n_formula_is_biased():
    rng = np.random.default_rng(7)
    p = 10 ** rng.uniform(-2.5, -0.3, 30)
    budget, chunk_size, replications = 60, 5, 4000
    ks = np.arange(1, budget + 1)
    truth = 1 - np.mean((1 - p)[:, None] ** ks, axis=0)
    for stop_after_correct in (1, 2):
        n, c, stopped = simulate(p, budget, chunk_size, stop_after_correct, replications, rng)
        flat = np.stack([n.ravel(), c.ravel(), stopped.ravel()], axis=1)
        outcomes, inverse = np.unique(flat, axis=0, return_inverse=True)
        inverse = inverse.reshape(n.shape)
        adaptive = adaptive_pass_at_k(outcomes[:, 0], outcomes[:, 1], ks, chunk_size, stop_after_correct, outcomes[:, 2].astype(bool))
        naive = np.vstack([naive_fixed_n(int(oc[0]), int(oc[1]), ks) for oc in outcomes])
        for estimator, unbiased in ((adaptive, True), (naive, False)):
            per_replication = estimator[inverse].mean(axis=1)  # coverage curve of each replication
            error = per_replication.mean(axis=0) - truth
            standard_error = per_replication.std(axis=0, ddof=1) / np.sqrt(replications)
            z = np.abs(error) / np.maximum(standard_error, 1e-12)
            if unbiased:
                assert z.max() < 4.5, (stop_after_correct, z.max())
            else:
                assert z.max() > 15, (stop_after_correct, z.max())


def naive_fixed_n(n: int, c: int, ks) -> np.ndarray:
    """The fixed-n estimator applied to stopped data as if n had been fixed, 1 beyond n."""
    inside = ks[ks <= n]
    beyond = np.ones((ks > n).sum())  # only stopped problems (c >= 1) end before the largest k
    return np.concatenate([pass_at_k([n], [c], inside)[0], beyond])


def test_k_beyond_a_stopped_problem_is_allowed_but_not_beyond_an_unstopped_one():
    got = adaptive_pass_at_k([100, 400], [2, 0], [100, 101, 400], 100, 1, [True, False])
    np.testing.assert_array_equal(got[:, 1:], [[1.0, 1.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="did not stop"):
        adaptive_pass_at_k([100, 400], [2, 0], [401], 100, 1, [True, False])


@pytest.mark.parametrize("n,c,stopped", [(200, 0, True), (150, 3, True), (300, 102, False)])
def test_counts_that_break_the_stopping_rule_are_rejected(n, c, stopped):
    # no success but stopped; stopped off a chunk boundary; more successes than fit in the last chunk
    with pytest.raises(ValueError, match="stopping rule"):
        adaptive_pass_at_k([n], [c], [1], 100, 1, [stopped])
