import numpy as np
import pandas as pd
import pytest

from monkeys.scaling import fit_points, fit_scaling_law, law


def test_fit_points_are_log_spaced_unique_integers():
    ks = fit_points(10_000)
    assert ks[0] == 1 and ks[-1] == 10_000
    assert 30 < len(ks) <= 40 and np.all(np.diff(ks) > 0)
    small = fit_points(10)
    assert list(small) == list(range(1, 11))


@pytest.mark.parametrize("a,b", [(-1.2, -0.35), (-0.4, -0.8), (-2.5, -0.1)])
def test_fit_recovers_parameters_of_synthetic_curves(a, b):
    k = np.arange(1, 10_001)
    curve = pd.DataFrame({"k": k, "coverage": law(k, a, b)})
    fit = fit_scaling_law(curve)
    assert fit["a"] == pytest.approx(a, rel=1e-4)
    assert fit["b"] == pytest.approx(b, rel=1e-4)
    assert fit["r2"] > 0.9999 and fit["num_points"] == len(fit_points(10_000))


def test_fit_with_noise_stays_close():
    rng = np.random.default_rng(0)
    k = np.arange(1, 1001)
    noisy = np.clip(law(k, -1.0, -0.3) * (1 + rng.normal(0, 0.01, k.size)), 1e-6, 1)
    fit = fit_scaling_law(pd.DataFrame({"k": k, "coverage": noisy}))
    assert fit["a"] == pytest.approx(-1.0, abs=0.05)
    assert fit["b"] == pytest.approx(-0.3, abs=0.05)


def test_unsolved_experiment_gives_nan_with_reason():
    curve = pd.DataFrame({"k": np.arange(1, 17), "coverage": np.zeros(16)})
    fit = fit_scaling_law(curve)
    assert np.isnan(fit["a"]) and "coverage > 0" in fit["note"]
