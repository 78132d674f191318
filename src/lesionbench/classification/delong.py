"""DeLong variance of the AUC and DeLong's test of two correlated AUCs.

Paper 001 (section 3.5.2, Table 3, Fig. 6) ranks classifiers of the same 80 subjects by their AUC
without a test; two AUCs of one set of subjects are correlated, and DeLong, DeLong &
Clarke-Pearson (Biometrics 44:837-845, 1988) give their joint covariance from the structural
components of the Mann-Whitney statistic. With ``m`` positives ``X``, ``n`` negatives ``Y`` and
the kernel ``psi(x, y) = 1 if x > y, 0.5 if x == y, 0 else``::

    AUC    = mean_ij psi(X_i, Y_j)
    V10_i  = mean_j psi(X_i, Y_j)          (one per positive)
    V01_j  = mean_i psi(X_i, Y_j)          (one per negative)
    Cov    = S10 / m + S01 / n             (S10, S01: sample covariances, ddof 1, over predictors)

The components come from midranks in O((m + n) log(m + n)) (Sun & Xu, IEEE Signal Process.
Lett. 21:1389-1393, 2014): with ``T_Z`` the midranks of all scores, ``T_X`` the midranks within
the positives and ``T_Y`` within the negatives, ``V10_i = (T_Z(X_i) - T_X(X_i)) / n`` and
``V01_j = 1 - (T_Z(Y_j) - T_Y(Y_j)) / m``. Ties count one half, as in :func:`roc.auc
<lesionbench.classification.roc.auc>`, so both give the same AUC.

The test of ``AUC_a - AUC_b`` is the normal approximation ``z = (AUC_a - AUC_b) / se`` with
``se^2 = Var_a + Var_b - 2 Cov_ab``, two-sided ``p = 2 (1 - Phi(|z|))``, and the Wald interval
``difference +- z_(1 - (1 - confidence) / 2) se`` (not clipped). Degenerate case: a zero
variance (identical predictors, or two predictors that order every positive-negative pair the
same way) with a zero difference gives ``z = 0`` and ``p = 1``; a zero variance with a non-zero
difference (e.g. a perfect predictor against a perfectly inverted one) gives ``z = +-inf`` and
``p = 0``, as the formula's limit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

from lesionbench.classification.roc import _check

#: Variances at or below this count as zero: rounding of constant components leaves ~1e-32, the
#: smallest real variance of a difference is about ``1 / (m n)^2`` (1e-20 for 1e5 cases per class).
ZERO_VARIANCE = 1e-24
#: Differences at or below this count as zero when the variance is zero (a real difference is a
#: multiple of ``1 / (2 m n)``).
ZERO_DIFFERENCE = 1e-12


class AucInterval(NamedTuple):
    """One AUC with its DeLong standard error and Wald interval (clipped to [0, 1])."""

    auc: float
    se: float
    ci_low: float
    ci_high: float


class AucComparison(NamedTuple):
    """Test of ``auc_a - auc_b`` on the same subjects (``difference = auc_a - auc_b``).

    ``se`` is the standard error of the difference, ``z = difference / se``, ``p_value`` two-sided,
    ``ci_low``/``ci_high`` the interval of the difference at the requested confidence; ``method``
    is ``"DeLong"`` or ``"paired bootstrap"``.
    """

    auc_a: float
    auc_b: float
    difference: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    method: str

    @property
    def ci(self) -> tuple[float, float]:
        """``(ci_low, ci_high)`` of the difference."""
        return self.ci_low, self.ci_high


def _classes(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(labels as bool, scores as (k, n))``, checked; at least two cases of each class."""
    labels = np.asarray(labels).astype(bool)
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    for row in scores:
        _check(labels, row)
    m, n = int(labels.sum()), int((~labels).sum())
    if m < 2 or n < 2:
        raise ValueError(f"DeLong variance needs at least 2 cases of each class; got {m} positive and {n} negative")
    return labels, scores


def structural_components(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AUCs and DeLong structural components by midranks (Sun & Xu 2014).

    Args:
        labels: ``(n_cases,)`` truth, True (or 1) = positive class (AVM in paper 001).
        scores: ``(n_cases,)`` or ``(k, n_cases)`` predicted probabilities (or any scores where
            higher means more likely positive) of ``k`` predictors on the same cases.

    Returns:
        ``(aucs (k,), v10 (k, m), v01 (k, n))`` with ``m`` positives and ``n`` negatives, in the
        order the cases appear.

    Raises:
        ValueError: for unequal shapes, non-finite scores, or fewer than 2 cases of a class.
    """
    pos, scores = _classes(labels, scores)
    x, y = scores[:, pos], scores[:, ~pos]
    m, n = x.shape[1], y.shape[1]
    t_z = stats.rankdata(np.concatenate([x, y], axis=1), axis=1)
    t_x, t_y = stats.rankdata(x, axis=1), stats.rankdata(y, axis=1)
    v10 = (t_z[:, :m] - t_x) / n
    v01 = 1.0 - (t_z[:, m:] - t_y) / m
    aucs = (t_z[:, :m].sum(axis=1) - m * (m + 1) / 2.0) / (m * n)
    return aucs, v10, v01


def delong_covariance(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs ``(k,)`` and their DeLong covariance matrix ``(k, k)`` (DeLong et al. 1988, eq. for
    ``S = S10 / m + S01 / n``); arguments as :func:`structural_components`."""
    aucs, v10, v01 = structural_components(labels, scores)
    m, n = v10.shape[1], v01.shape[1]
    s10 = np.atleast_2d(np.cov(v10, ddof=1))
    s01 = np.atleast_2d(np.cov(v01, ddof=1))
    return aucs, s10 / m + s01 / n


def delong_auc(labels: np.ndarray, scores: np.ndarray, confidence: float = 0.95) -> AucInterval:
    """AUC of one predictor with its DeLong standard error and Wald interval, clipped to [0, 1]
    (as pROC's ``ci.auc(method = "delong")``).

    Args:
        labels: ``(n_cases,)`` truth (True = positive).
        scores: ``(n_cases,)`` predicted probability of the positive class.
        confidence: level of the interval, in (0, 1).
    """
    aucs, cov = delong_covariance(labels, np.asarray(scores, dtype=float)[None, :])
    value, se = float(aucs[0]), float(np.sqrt(max(cov[0, 0], 0.0)))
    half = stats.norm.ppf(0.5 + confidence / 2.0) * se
    return AucInterval(value, se, max(value - half, 0.0), min(value + half, 1.0))


def comparison_from_se(auc_a: float, auc_b: float, se: float, confidence: float, method: str,
                       interval: tuple[float, float] | None = None) -> AucComparison:
    """Normal test of ``auc_a - auc_b`` with standard error ``se`` (zero-variance rule of the
    module docstring); ``interval`` replaces the Wald interval when given."""
    difference = float(auc_a - auc_b)
    if se * se <= ZERO_VARIANCE:
        se = 0.0
        z = 0.0 if abs(difference) <= ZERO_DIFFERENCE else float(np.sign(difference) * np.inf)
    else:
        z = difference / se
    p_value = float(2.0 * stats.norm.sf(abs(z)))
    if interval is None:
        half = float(stats.norm.ppf(0.5 + confidence / 2.0)) * se
        interval = (difference - half, difference + half)
    return AucComparison(float(auc_a), float(auc_b), difference, float(se), float(z), p_value,
                         float(interval[0]), float(interval[1]), method)


def delong_test(y_true: np.ndarray, prob_a: np.ndarray, prob_b: np.ndarray,
                confidence: float = 0.95) -> AucComparison:
    """DeLong's test of two correlated AUCs (DeLong, DeLong & Clarke-Pearson 1988; fast midrank
    algorithm of Sun & Xu 2014), two-sided.

    Args:
        y_true: ``(n_cases,)`` truth of the subjects (True or 1 = positive, AVM in paper 001).
        prob_a: ``(n_cases,)`` probability of the positive class from predictor a, in case order.
        prob_b: ``(n_cases,)`` the same from predictor b, on the same cases.
        confidence: level of the interval of the difference, in (0, 1).

    Returns:
        :class:`AucComparison` with ``difference = auc_a - auc_b`` (AUC units), its standard
        error, ``z``, the two-sided ``p_value`` and the Wald interval of the difference; a zero
        variance gives ``z = 0, p = 1`` when the difference is zero too (module docstring).

    Raises:
        ValueError: for unequal shapes, non-finite scores, or fewer than 2 cases of a class.
    """
    a, b = np.asarray(prob_a, dtype=float), np.asarray(prob_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"delong_test: prob_a {a.shape} and prob_b {b.shape} must have the same shape")
    aucs, v10, v01 = structural_components(y_true, np.stack([a, b]))
    # Var_a + Var_b - 2 Cov_ab from the components of the difference: no cancellation, and exactly
    # zero when every positive-negative pair is ordered alike by both predictors.
    d10, d01 = v10[0] - v10[1], v01[0] - v01[1]
    var = np.var(d10, ddof=1) / d10.size + np.var(d01, ddof=1) / d01.size
    return comparison_from_se(aucs[0], aucs[1], float(np.sqrt(var)), confidence, "DeLong")
