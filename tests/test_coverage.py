import itertools
import math

import numpy as np
import pandas as pd
import pytest

from monkeys.coverage import (
    ADAPTIVE_COLUMNS,
    COUNT_COLUMNS,
    adaptive_pass_at_k,
    count_correct,
    coverage_curve,
    pass_at_k,
    read_counts,
)


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


def adaptive_counts():
    """Four problems, budget 300 in chunks of 100, stop after 1 correct."""
    return pd.DataFrame({
        "problem_id": list("abcd"),
        "num_samples": [100, 200, 300, 300],
        "num_correct": [5, 1, 0, 2],
        "chunk_size": 100,
        "stop_after_correct": 1,
        "stopped": [True, True, False, False],
    })


def test_coverage_curve_uses_the_adaptive_estimator_when_the_design_is_in_the_table():
    counts = adaptive_counts()
    curve = coverage_curve(counts, n_bootstrap=200, seed=0)
    assert list(curve["k"]) == list(range(1, 301))  # stopped problems do not limit k
    per_problem = adaptive_pass_at_k(counts.num_samples, counts.num_correct, curve["k"], 100, 1, counts.stopped)
    np.testing.assert_allclose(curve["coverage"], per_problem.mean(axis=0))
    assert curve["coverage"].iloc[-1] == pytest.approx(0.75)
    # b stopped at 200 with its only success in 100..199: pass@100 is 0, unlike the fixed-n formula's 0.5.
    assert per_problem[1, 99] == 0.0
    assert (curve["ci_low"] <= curve["coverage"] + 1e-12).all() and (curve["coverage"] <= curve["ci_high"] + 1e-12).all()
    fixed = counts.assign(stopped=False, stop_after_correct=10**6)
    np.testing.assert_allclose(coverage_curve(fixed, ks=[1, 50, 100], n_bootstrap=0)["coverage"],
                               pass_at_k(fixed.num_samples, fixed.num_correct, [1, 50, 100]).mean(axis=0))
    with pytest.raises(ValueError, match="need all of"):
        coverage_curve(counts.drop(columns="stopped"))


def test_read_counts_keeps_and_checks_the_adaptive_design(tmp_path):
    path = tmp_path / "adaptive.csv"
    adaptive_counts().to_csv(path, index=False)
    counts = read_counts(path)
    assert counts.columns.tolist() == COUNT_COLUMNS + ADAPTIVE_COLUMNS and counts["stopped"].dtype == bool
    adaptive_counts().assign(num_correct=[5, 0, 0, 2]).to_csv(path, index=False)  # b stopped without a success
    with pytest.raises(ValueError, match="bad rows: \\['b'\\]"):
        read_counts(path)


def adaptive_verdicts(outcomes: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame([{"problem_id": p, "sample_idx": i, "correct": bool(x)} for p, xs in outcomes.items() for i, x in enumerate(xs)])


def test_count_correct_with_the_adaptive_design_checks_the_stopping_rule():
    design = {"chunk_size": 2, "stop_after_correct": 1, "max_samples": 6}
    verdicts = adaptive_verdicts({"a": [0, 1], "b": [0, 0, 0, 1], "c": [0] * 6, "d": [0, 0, 0, 0, 1, 1]})
    counts = count_correct(verdicts, **design)
    assert counts.to_dict("list") == {
        "problem_id": list("abcd"), "num_samples": [2, 4, 6, 6], "num_correct": [1, 1, 0, 2],
        "chunk_size": [2] * 4, "stop_after_correct": [1] * 4, "stopped": [True, True, False, False],
    }
    for broken in ({"a": [1, 0, 0, 0]},   # went on after a chunk with a success
                   {"a": [0, 0, 0]},      # stopped off a chunk boundary
                   {"a": [0, 0, 0, 0]}):  # stopped short of the budget without a success
        with pytest.raises(ValueError, match="stopping rule"):
            count_correct(adaptive_verdicts(broken), **design)
    with pytest.raises(ValueError, match="needs chunk_size"):
        count_correct(verdicts, chunk_size=2)
