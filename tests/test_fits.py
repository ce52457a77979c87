import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from monkeys.fits import FIT_COLUMNS, FIT_FORMS, fit, fit_points, law


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
    result = fit(curve)
    assert result["a"] == pytest.approx(a, rel=1e-4)
    assert result["b"] == pytest.approx(b, rel=1e-4)
    assert result["r2"] > 0.9999 and result["num_points"] == len(fit_points(10_000))


def test_fit_with_noise_stays_close():
    rng = np.random.default_rng(0)
    k = np.arange(1, 1001)
    noisy = np.clip(law(k, -1.0, -0.3) * (1 + rng.normal(0, 0.01, k.size)), 1e-6, 1)
    result = fit(pd.DataFrame({"k": k, "coverage": noisy}))
    assert result["a"] == pytest.approx(-1.0, abs=0.05)
    assert result["b"] == pytest.approx(-0.3, abs=0.05)


def test_unsolved_experiment_gives_nan_with_reason():
    curve = pd.DataFrame({"k": np.arange(1, 17), "coverage": np.zeros(16)})
    result = fit(curve)
    assert np.isnan(result["a"]) and "coverage > 0" in result["note"]


def test_fit_result_names_its_form():
    k = np.arange(1, 1001)
    curve = pd.DataFrame({"k": k, "coverage": law(k, -1.0, -0.3)})
    assert FIT_COLUMNS[0] == "form"
    for form in FIT_FORMS:
        result = fit(curve, form=form)
        assert list(result) == FIT_COLUMNS and result["form"] == form
    with pytest.raises(ValueError, match="unknown fit form"):
        fit(curve, form="ln")


@pytest.mark.parametrize("a,b", [(-7.59, -0.18), (-3.92, -0.35), (-0.9, -0.6)])
def test_paper_form_recovers_natural_log_power_laws_on_the_papers_grid(a, b):
    k = np.arange(1, 10_001)
    curve = pd.DataFrame({"k": k, "coverage": law(k, a, b, form="paper")})
    result = fit(curve, form="paper")
    assert result["a"] == pytest.approx(a, rel=1e-6) and result["b"] == pytest.approx(b, rel=1e-6)
    # The paper's 40 rounded points of logspace(0, 4, 40), repeats (k = 1, 2, 3) kept.
    assert result["num_points"] == 40 and result["k_max"] == 10_000
    np.testing.assert_array_equal(fit_points(10_000, unique=False), np.rint(np.logspace(0, 4, 40)).astype(int))


@pytest.mark.parametrize("noise", [0.0, 0.02])
def test_forms_differ_only_by_the_base_when_no_k_repeats(noise):
    """Without repeated k, the ln fit is the log10 fit scaled by ln(10): the least-squares problems
    differ by a constant factor. 10 points of logspace(0, 4) round to distinct k."""
    assert len(set(fit_points(10_000, 10, unique=False))) == 10
    rng = np.random.default_rng(3)
    k = np.arange(1, 10_001)
    coverage = np.clip(law(k, -1.5, -0.4) * (1 + rng.normal(0, noise, k.size)), 1e-9, 1)
    curve = pd.DataFrame({"k": k, "coverage": coverage})
    log10_fit = fit(curve, num_points=10, form="log10")
    paper_fit = fit(curve, num_points=10, form="paper")
    assert paper_fit["a"] == pytest.approx(np.log(10) * log10_fit["a"], rel=1e-6)
    assert paper_fit["b"] == pytest.approx(log10_fit["b"], rel=1e-6)
    assert paper_fit["r2"] == pytest.approx(log10_fit["r2"], rel=1e-9)


def test_paper_form_weighs_repeated_small_k():
    """With 40 points the paper's grid repeats k = 1, 2, 3; on a curve that bends away from the law
    at small k this moves the fit, and the result is the least-squares fit with the repeats."""
    k = np.arange(1, 10_001)
    coverage = law(k, -1.5, -0.4) * np.where(k <= 3, 1.5, 1.0)
    curve = pd.DataFrame({"k": k, "coverage": np.clip(coverage, 0, 1)})
    paper_fit = fit(curve, form="paper")
    log10_fit = fit(curve, form="log10")
    assert abs(paper_fit["a"] - np.log(10) * log10_fit["a"]) > 1e-3
    grid = fit_points(10_000, unique=False)
    y = np.log(curve.set_index("k").loc[grid, "coverage"].to_numpy())
    (a, b), _ = curve_fit(lambda k, a, b: a * k**b, grid.astype(float), y, p0=(-3, -0.4))
    assert paper_fit["a"] == pytest.approx(a, rel=1e-6) and paper_fit["b"] == pytest.approx(b, rel=1e-6)


def test_law_in_both_forms():
    assert law(100, -2.0, -0.5) == pytest.approx(10**-0.2)
    assert law(100, -2.0, -0.5, form="paper") == pytest.approx(np.exp(-0.2))
