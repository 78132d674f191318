"""DeLong variance and test against a direct O(n m) computation, scikit-learn and hand values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lesionbench.classification import (
    auc,
    delong_auc,
    delong_covariance,
    delong_test,
    structural_components,
)


def direct_delong(labels, scores):
    """AUCs, V10, V01 and covariance straight from the Mann-Whitney kernel (DeLong et al. 1988)."""
    labels = np.asarray(labels, bool)
    scores = np.atleast_2d(scores)
    aucs, v10s, v01s = [], [], []
    for row in scores:
        x, y = row[labels], row[~labels]
        psi = np.array([[1.0 if xi > yj else 0.5 if xi == yj else 0.0 for yj in y] for xi in x])  # (m, n)
        aucs.append(psi.mean())
        v10s.append(psi.mean(axis=1))
        v01s.append(psi.mean(axis=0))
    v10, v01 = np.array(v10s), np.array(v01s)
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.array([[np.sum((a - a.mean()) * (b - b.mean())) / (m - 1) for b in v10] for a in v10])
    s01 = np.array([[np.sum((a - a.mean()) * (b - b.mean())) / (n - 1) for b in v01] for a in v01])
    return np.array(aucs), v10, v01, s10 / m + s01 / n


def paper_like(seed, shift=1.0, n_pos=42, n_neg=38):
    """Labels (42 AVM, 38 other, as paper 001) and a latent score, shuffled."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.ones(n_pos, bool), np.zeros(n_neg, bool)])
    rng.shuffle(labels)
    return rng, labels, labels * shift + rng.normal(size=labels.size)


def test_hand_computed_variance():
    # X = (.9, .4, .8), Y = (.6, .1): V10 = (1, .5, 1), V01 = (2/3, 1); S10 = 1/12, S01 = 1/18;
    # Var = S10 / 3 + S01 / 2 = 1/18.
    labels = np.array([1, 1, 0, 0, 1], bool)
    scores = np.array([0.9, 0.4, 0.6, 0.1, 0.8])
    _, v10, v01 = structural_components(labels, scores)
    np.testing.assert_allclose(v10, [[1, 0.5, 1]])
    np.testing.assert_allclose(v01, [[2 / 3, 1]])
    result = delong_auc(labels, scores)
    assert result.auc == pytest.approx(5 / 6) and result.se == pytest.approx(np.sqrt(1 / 18))
    assert result.ci_low == pytest.approx(5 / 6 - stats.norm.ppf(0.975) * np.sqrt(1 / 18))
    assert result.ci_high == 1.0  # clipped


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_components_and_covariance_match_the_direct_computation(seed):
    rng, labels, latent = paper_like(seed)
    scores = np.stack([np.round(latent + rng.normal(0, s, latent.size), 1) for s in (0.3, 1.0, 2.0)])  # ties
    scores[2, :10] = scores[2, 0]  # a block of ties across both classes
    aucs, v10, v01 = structural_components(labels, scores)
    d_aucs, d_v10, d_v01, d_cov = direct_delong(labels, scores)
    np.testing.assert_allclose(aucs, d_aucs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v10, d_v10, rtol=0, atol=1e-12)
    np.testing.assert_allclose(v01, d_v01, rtol=0, atol=1e-12)
    aucs, cov = delong_covariance(labels, scores)
    np.testing.assert_allclose(cov, d_cov, rtol=1e-10, atol=1e-15)
    result = delong_test(labels, scores[0], scores[1])
    se = np.sqrt(d_cov[0, 0] + d_cov[1, 1] - 2 * d_cov[0, 1])
    assert result.se == pytest.approx(se, rel=1e-10)
    assert result.z == pytest.approx((d_aucs[0] - d_aucs[1]) / se, rel=1e-10)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(abs(result.z)), rel=1e-10)


def test_auc_matches_scikit_learn_and_roc_auc():
    metrics = pytest.importorskip("sklearn.metrics")
    for seed in range(5):
        _, labels, latent = paper_like(seed, shift=0.7)
        scores = np.round(1 / (1 + np.exp(-latent)), 2)  # probabilities with ties
        expected = metrics.roc_auc_score(labels.astype(int), scores)
        assert structural_components(labels, scores)[0][0] == pytest.approx(expected, abs=1e-12)
        assert delong_auc(labels, scores).auc == pytest.approx(expected, abs=1e-12)
        assert auc(labels, scores) == pytest.approx(expected, abs=1e-12)


def test_identical_and_equivalent_predictors():
    _, labels, latent = paper_like(3)
    prob = 1 / (1 + np.exp(-latent))
    for other in (prob, prob ** 2):  # the same ranking: equal components, zero variance
        result = delong_test(labels, prob, other)
        assert (result.difference, result.se, result.z, result.p_value) == (0.0, 0.0, 0.0, 1.0)
        assert result.ci == (0.0, 0.0) and result.method == "DeLong"


def test_zero_variance_with_a_difference_is_infinitely_significant():
    labels = np.array([1, 1, 1, 0, 0, 0], bool)
    perfect = np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    result = delong_test(labels, perfect, 1 - perfect)  # AUC 1 against AUC 0, every component constant
    assert result.difference == 1.0 and result.se == 0.0
    assert result.z == np.inf and result.p_value == 0.0


def test_swapping_the_predictors_flips_the_sign():
    rng, labels, latent = paper_like(4)
    a, b = latent + rng.normal(0, 0.5, latent.size), latent + rng.normal(0, 1.5, latent.size)
    ab, ba = delong_test(labels, a, b), delong_test(labels, b, a)
    assert ba.difference == pytest.approx(-ab.difference) and ba.z == pytest.approx(-ab.z)
    assert ba.se == pytest.approx(ab.se) and ba.p_value == pytest.approx(ab.p_value)
    assert (ba.auc_a, ba.auc_b) == (ab.auc_b, ab.auc_a)
    assert ba.ci_low == pytest.approx(-ab.ci_high) and ba.ci_high == pytest.approx(-ab.ci_low)
    # The two-sided p < 0.05 exactly when the 95% Wald interval excludes zero.
    assert (ab.p_value < 0.05) == (not ab.ci_low <= 0 <= ab.ci_high)


def test_power_and_null():
    rng, labels, latent = paper_like(5, shift=1.5)
    good = latent + rng.normal(0, 0.2, labels.size)
    poor = latent + rng.normal(0, 3.0, labels.size)
    assert delong_test(labels, good, poor).p_value < 0.05
    copy_a, copy_b = latent + rng.normal(0, 0.3, labels.size), latent + rng.normal(0, 0.3, labels.size)
    assert delong_test(labels, copy_a, copy_b).p_value > 0.05


def test_type_one_error_is_near_the_nominal_level():
    rng = np.random.default_rng(7)
    rejected, reps = 0, 1000
    for _ in range(reps):
        labels = np.arange(80) < 42
        latent = labels * 1.0 + rng.normal(size=80)
        a, b = latent + rng.normal(size=80), latent + rng.normal(size=80)  # equal true AUCs
        rejected += delong_test(labels, a, b).p_value < 0.05
    assert 0.03 <= rejected / reps <= 0.075  # 0.05 +- 3.5 Monte Carlo standard errors


def test_errors():
    with pytest.raises(ValueError, match="at least 2 cases of each class; got 1 positive and 3 negative"):
        delong_test(np.array([1, 0, 0, 0]), np.arange(4.0), np.arange(4.0))
    with pytest.raises(ValueError, match="same shape"):
        delong_test(np.array([1, 1, 0, 0]), np.arange(4.0), np.arange(3.0))
    with pytest.raises(ValueError, match="NaN or infinite"):
        delong_auc(np.array([1, 1, 0, 0]), np.array([0.1, np.nan, 0.3, 0.4]))


def test_a_single_discordant_pair_is_not_treated_as_zero_variance():
    m = n = 400
    labels = np.r_[np.ones(m, bool), np.zeros(n, bool)]
    a = np.r_[np.linspace(0.6, 1.0, m), np.linspace(0.0, 0.4, n)]  # perfect
    b = a.copy()
    b[0], b[m + n - 1] = 0.405, 0.41  # one positive just below one negative: one pair out of order
    result = delong_test(labels, a, b)
    assert result.difference == pytest.approx(1 / (m * n)) and 0 < result.se and np.isfinite(result.z)
    psi_b = (b[:m, None] > b[None, m:]).astype(float)  # the kernel of b (no ties); a's is all ones
    d10, d01 = 1 - psi_b.mean(axis=1), 1 - psi_b.mean(axis=0)
    assert result.se == pytest.approx(np.sqrt(d10.var(ddof=1) / m + d01.var(ddof=1) / n), rel=1e-9)
