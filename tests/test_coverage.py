import itertools
import math

import numpy as np
import pandas as pd
import pytest

from monkeys.coverage import count_correct, coverage_curve, pass_at_k, read_counts


def brute_force_pass_at_k(n: int, c: int, k: int) -> float:
    """Fraction of all k-subsets of n samples (c correct) that hold a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", [1, 2, 5, 8])
def test_pass_at_k_matches_enumeration(n):
    for c in range(n + 1):
        ks = np.arange(1, n + 1)
        got = pass_at_k([n], [c], ks)[0]
        want = [brute_force_pass_at_k(n, c, k) for k in ks]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_pass_at_k_rows_follow_problems_with_shared_counts():
    got = pass_at_k([10, 10, 10, 10], [0, 3, 0, 10], [1, 5])
    assert got.shape == (4, 2)
    np.testing.assert_allclose(got[:, 0], [0.0, 0.3, 0.0, 1.0])
    np.testing.assert_allclose(got[1, 1], 1 - math.comb(7, 5) / math.comb(10, 5))
    assert (got[0] == got[2]).all()


def test_large_n_is_accurate_in_log_space():
    got = pass_at_k([10_000, 10_000], [1, 9_999], [1, 5_000, 10_000])
    np.testing.assert_allclose(got[0], [1e-4, 0.5, 1.0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(got[1], [0.9999, 1.0, 1.0], rtol=0, atol=1e-10)


def test_unsolved_problems_have_exactly_zero_coverage():
    got = pass_at_k([10_000, 37], [0, 0], [1, 17, 37])
    assert (got == 0.0).all()


def test_k_larger_than_n_is_rejected():
    with pytest.raises(ValueError, match="k must lie in"):
        pass_at_k([4, 8], [1, 1], [5])
    with pytest.raises(ValueError, match="num_correct"):
        pass_at_k([4], [5], [1])


def test_coverage_curve_and_bootstrap_band():
    counts = pd.DataFrame({"problem_id": list("abcd"), "num_samples": [8] * 4, "num_correct": [0, 1, 4, 8]})
    curve = coverage_curve(counts, n_bootstrap=500, seed=1)
    assert list(curve["k"]) == list(range(1, 9))
    np.testing.assert_allclose(curve["coverage"].iloc[0], (0 + 1 / 8 + 4 / 8 + 1) / 4)
    assert curve["coverage"].iloc[-1] == pytest.approx(0.75)
    assert (curve["ci_low"] <= curve["coverage"] + 1e-12).all() and (curve["coverage"] <= curve["ci_high"] + 1e-12).all()
    assert (curve["ci_high"] - curve["ci_low"]).iloc[-1] > 0
    again = coverage_curve(counts, n_bootstrap=500, seed=1)
    pd.testing.assert_frame_equal(curve, again)


def test_count_correct():
    verdicts = pd.DataFrame({"problem_id": ["b", "a", "b", "a", "a"], "correct": [True, False, False, False, True]})
    counts = count_correct(verdicts)
    assert counts.to_dict("list") == {"problem_id": ["a", "b"], "num_samples": [3, 2], "num_correct": [1, 1]}


def test_read_counts_checks_columns_and_values(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("problem_id,num_samples,num_correct,extra\np1,100,3,x\np2,100,0,y\n")
    assert read_counts(good).columns.tolist() == ["problem_id", "num_samples", "num_correct"]
    missing = tmp_path / "missing.csv"
    missing.write_text("problem_id,num_samples\np1,100\n")
    with pytest.raises(ValueError, match="missing column"):
        read_counts(missing)
    bad = tmp_path / "bad.csv"
    bad.write_text("problem_id,num_samples,num_correct\np1,10,11\n")
    with pytest.raises(ValueError, match="bad rows"):
        read_counts(bad)
