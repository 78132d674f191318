"""Paired effect size: the matched-pairs rank-biserial correlation (Kerby 2014).

``r = (R+ - R-) / (R+ + R-)``, where ``R+`` and ``R-`` are the sums of the ranks of ``|d|``
over the positive and the negative paired differences ``d = x - y``. It lies in [-1, 1]: 1 when
every non-zero difference is positive (x larger on every case), 0 when the two rank sums
balance. It is the effect size that goes with the Wilcoxon signed-rank test (it is a linear
function of the signed-rank statistic), so it is written by hand here: scipy reports the
statistic but not this normalisation.

Zero differences follow the Wilcoxon ``zero_method``: ``"wilcox"`` drops them before ranking;
``"pratt"`` and ``"zsplit"`` rank them with the others and keep their ranks in the
denominator (``n (n + 1) / 2`` over all pairs), which shrinks r towards 0.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def rank_biserial(x: np.ndarray, y: np.ndarray, zero_method: str = "wilcox") -> float:
    """Matched-pairs rank-biserial correlation of ``x - y``.

    Args:
        x: ``(n,)`` values of the first model (the reference in ``tests.tsv``).
        y: ``(n,)`` paired values of the second model, same cases in the same order.
        zero_method: ``"wilcox"``, ``"pratt"`` or ``"zsplit"`` (see the module docstring).

    Returns:
        r in [-1, 1]; positive when x tends to be larger. NaN when there is no pair or all
        differences are zero.

    Raises:
        ValueError: if the arrays differ in length or ``zero_method`` is unknown.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"rank_biserial: x and y differ in shape, {x.shape} vs {y.shape}")
    if zero_method not in ("wilcox", "pratt", "zsplit"):
        raise ValueError(f"rank_biserial: unknown zero_method {zero_method!r}")
    d = x - y
    if zero_method == "wilcox":
        d = d[d != 0]
    if d.size == 0 or not np.any(d != 0):
        return float("nan")
    ranks = stats.rankdata(np.abs(d))  # average ranks for ties, as the signed-rank test
    r_plus = float(ranks[d > 0].sum())
    r_minus = float(ranks[d < 0].sum())
    total = float(ranks.sum())
    return (r_plus - r_minus) / total
