"""Agreement of predicted and reference lesion volumes (paper 002, section 2.2.2).

Paper 002 measures the bleeding volume of each case from the segmentation
(``HV = H x sum S_n``: :func:`lesionbench.metrics.volume_ml`) and reports the RMSE and MAE
against the reference. Clinicians also ask how well the two agree: Pearson's r
(``scipy.stats.pearsonr``), Lin's concordance correlation coefficient (Lin, Biometrics 1989;
scipy has none, so it is written here, with the population moments Lin defines), and the
Bland-Altman bias and 95% limits of agreement (Bland & Altman, Lancet 1986: differences
``predicted - reference`` against the pair means, ``bias +- 1.96 sd`` with the sample sd).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats


def _pair(reference: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    reference = np.asarray(reference, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    if reference.shape != predicted.shape:
        raise ValueError(f"volume agreement: {reference.shape} reference vs {predicted.shape} predicted values")
    keep = np.isfinite(reference) & np.isfinite(predicted)
    return reference[keep], predicted[keep]


def rmse(reference: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean square error ``sqrt(mean((pred - ref)^2))`` over finite pairs (unit of the
    inputs, mL here); NaN without pairs."""
    ref, pred = _pair(reference, predicted)
    return float(np.sqrt(np.mean((pred - ref) ** 2))) if ref.size else float("nan")


def mae(reference: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute error ``mean(|pred - ref|)`` over finite pairs; NaN without pairs."""
    ref, pred = _pair(reference, predicted)
    return float(np.mean(np.abs(pred - ref))) if ref.size else float("nan")


def pearson(reference: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Pearson's r and its two-sided p (``scipy.stats.pearsonr``); NaN for fewer than 3 pairs
    or a constant side."""
    ref, pred = _pair(reference, predicted)
    if ref.size < 3 or np.ptp(ref) == 0 or np.ptp(pred) == 0:
        return float("nan"), float("nan")
    result = stats.pearsonr(ref, pred)
    return float(result.statistic), float(result.pvalue)


def lins_ccc(reference: np.ndarray, predicted: np.ndarray) -> float:
    """Lin's concordance correlation coefficient.

    ``rho_c = 2 s_xy / (s_x^2 + s_y^2 + (mean_x - mean_y)^2)`` with the population (1/n)
    variances and covariance (Lin 1989, eq. 2). 1 only when every pair lies on the identity
    line; NaN for fewer than 2 pairs or when both sides are the same constant.
    """
    x, y = _pair(reference, predicted)
    if x.size < 2:
        return float("nan")
    sxy = np.mean((x - x.mean()) * (y - y.mean()))
    denominator = x.var() + y.var() + (x.mean() - y.mean()) ** 2
    return float(2.0 * sxy / denominator) if denominator > 0 else float("nan")


class BlandAltman(NamedTuple):
    """Bland-Altman analysis of one method against the reference.

    Attributes:
        means: ``(n,)`` pair means ``(ref + pred) / 2`` (x axis).
        differences: ``(n,)`` ``pred - ref`` (y axis).
        bias: mean difference.
        sd: sample standard deviation of the differences (ddof = 1).
        low, high: limits of agreement ``bias -+ z sd``.
    """

    means: np.ndarray
    differences: np.ndarray
    bias: float
    sd: float
    low: float
    high: float


def bland_altman(reference: np.ndarray, predicted: np.ndarray, confidence: float = 0.95) -> BlandAltman:
    """Bias and limits of agreement of ``predicted`` against ``reference``.

    Args:
        reference: ``(n,)`` reference volumes (mL); NaN pairs are dropped.
        predicted: ``(n,)`` predicted volumes (mL).
        confidence: coverage of the limits (0.95 -> z = 1.96, the normal quantile).
    """
    ref, pred = _pair(reference, predicted)
    differences = pred - ref
    means = (pred + ref) / 2.0
    if ref.size == 0:
        nan = float("nan")
        return BlandAltman(means, differences, nan, nan, nan, nan)
    bias = float(differences.mean())
    sd = float(differences.std(ddof=1)) if ref.size > 1 else float("nan")
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    return BlandAltman(means, differences, bias, sd, bias - z * sd, bias + z * sd)
