"""Per-model summary of paper 001 Tables 2-3 with Wilson intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from lesionbench.classification import (
    SUMMARY_KEYS,
    classification_summary,
    delong_auc,
    wilson_interval,
)


def wilson(k, n, confidence=0.95):
    """Wilson (1927) score interval by its formula."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(38, 42), (38, 38), (0, 5), (76, 80)])
def test_wilson_interval_formula(k, n):
    assert wilson_interval(k, n) == pytest.approx(wilson(k, n), abs=1e-12)
    assert wilson_interval(k, n, 0.9) == pytest.approx(wilson(k, n, 0.9), abs=1e-12)
    assert all(np.isnan(wilson_interval(0, 0)))


def paper_mlssp():
    """42 AVM and 38 others, 38 and 38 called correctly (paper 001 Table 3, MLSSP)."""
    labels = np.r_[np.ones(42, bool), np.zeros(38, bool)]
    prob = np.r_[np.linspace(0.55, 0.99, 38), np.linspace(0.05, 0.45, 4), np.linspace(0.01, 0.5 - 1e-9, 38)]
    return labels, prob


def test_summary_reproduces_table_3_counts():
    labels, prob = paper_mlssp()
    out = classification_summary(labels, prob, resamples=200, seed=0)
    assert list(out) == SUMMARY_KEYS
    assert (out["tp"], out["fn"], out["tn"], out["fp"]) == (38, 4, 38, 0)
    assert (out["n"], out["n_positive"], out["n_negative"]) == (80, 42, 38)
    assert out["accuracy"] == 0.95 and out["sensitivity"] == pytest.approx(0.905, abs=5e-4)
    assert out["specificity"] == 1.0
    assert (out["accuracy_ci_low"], out["accuracy_ci_high"]) == pytest.approx(wilson(76, 80))
    assert (out["sensitivity_ci_low"], out["sensitivity_ci_high"]) == pytest.approx(wilson(38, 42))
    assert out["specificity_ci_low"] == pytest.approx(38 / (38 + stats.norm.ppf(0.975) ** 2))
    assert out["specificity_ci_high"] == pytest.approx(1.0)
    delong = delong_auc(labels, prob)
    assert (out["auc_se_delong"], out["auc_delong_ci_low"], out["auc_delong_ci_high"]) == tuple(delong)[1:]
    assert out["auc_ci_low"] <= out["auc"] <= out["auc_ci_high"] and out["note"] == ""


def test_threshold_ties_and_degenerate_classes():
    out = classification_summary(np.array([1, 0, 1, 0]), np.array([0.5, 0.5, 0.7, 0.2]), resamples=20)
    assert (out["tp"], out["fp"]) == (2, 1)  # exactly 0.5 is called positive
    one = classification_summary(np.ones(3), np.array([0.2, 0.6, 0.9]), resamples=20)
    assert np.isnan(one["auc"]) and np.isnan(one["auc_se_delong"]) and one["note"] == "one class only: AUC undefined"
    assert np.isnan(one["specificity"]) and np.isnan(one["specificity_ci_low"])
    few = classification_summary(np.array([1, 0, 0]), np.array([0.9, 0.2, 0.3]), resamples=20)
    assert few["auc"] == 1.0 and np.isnan(few["auc_delong_ci_low"]) and "fewer than 2" in few["note"]
