"""Bootstrap confidence intervals of a mean and of a paired mean difference.

Both are ``scipy.stats.bootstrap`` on the one-sample mean (the paired difference is the mean of
the per-case differences ``reference - model``, so resampling the cases resamples the pairs);
this module only fixes the seed, handles the degenerate cases scipy warns about, and returns
plain floats. The method (``BCa`` by default, scipy's own default; ``percentile``; ``basic``),
the number of resamples and the level come from :class:`CompareSettings
<lesionbench.stats.settings.CompareSettings>`.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import stats


class Interval(NamedTuple):
    """A point estimate and its confidence interval (NaN where undefined)."""

    estimate: float
    low: float
    high: float


def bootstrap_mean(
    values: np.ndarray, resamples: int = 2000, confidence: float = 0.95, method: str = "BCa", seed: int = 0,
) -> Interval:
    """Mean of the finite entries of ``values`` and its bootstrap confidence interval.

    Args:
        values: ``(n,)`` per-case values; NaN entries are left out.
        resamples: bootstrap resamples of the cases.
        confidence: level of the interval.
        method: ``"BCa"``, ``"percentile"`` or ``"basic"``.
        seed: seed of ``numpy.random.default_rng``; the same seed gives the same interval.

    Returns:
        ``(mean, low, high)``; the interval is NaN for fewer than 2 values and collapses to the
        mean when all values are equal (every resample has that mean).
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    mean = float(values.mean())
    if values.size < 2:
        return Interval(mean, float("nan"), float("nan"))
    if np.ptp(values) == 0:
        return Interval(mean, mean, mean)
    with warnings.catch_warnings():
        # BCa warns (DegenerateDataWarning) when the jackknife is degenerate and then
        # returns NaN: the interval is then reported as NaN, which says as much.
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            (values,), np.mean, n_resamples=resamples, confidence_level=confidence, method=method,
            vectorized=True, axis=-1, rng=np.random.default_rng(seed),
        )
    return Interval(mean, float(result.confidence_interval.low), float(result.confidence_interval.high))


def bootstrap_paired_difference(
    x: np.ndarray, y: np.ndarray, resamples: int = 2000, confidence: float = 0.95, method: str = "BCa",
    seed: int = 0,
) -> Interval:
    """Mean paired difference ``mean(x - y)`` and its bootstrap confidence interval.

    Args:
        x: ``(n,)`` values of the first model (the reference).
        y: ``(n,)`` values of the second model on the same cases; pairs with a NaN are dropped.
        resamples, confidence, method, seed: as :func:`bootstrap_mean`.

    Raises:
        ValueError: if the arrays differ in length.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired bootstrap: x and y differ in shape, {x.shape} vs {y.shape}")
    return bootstrap_mean(x - y, resamples, confidence, method, seed)
