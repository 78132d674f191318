"""Friedman omnibus test across all models and its post-hoc pairwise tests.

docs/architecture.md ("Statistics") asks for an optional Friedman test over all models, blocked on cases:
every model must have a value on every case, so the matrix is built on the common selected
cases and a case with a missing value is dropped (:func:`lesionbench.stats.frames.metric_matrix`).
The omnibus statistic is ``scipy.stats.friedmanchisquare`` (with its tie correction). Two
post-hoc tests are offered (``CompareSettings.posthoc``):

- ``"nemenyi"`` (Demsar, JMLR 2006, section 3.2.2): two models differ when their mean ranks
  differ by more than the critical difference ``CD = q_alpha sqrt(k (k + 1) / (6 N))``, where
  ``q_alpha`` is the studentized range quantile for k groups and infinite degrees of freedom
  divided by sqrt(2); the p-value of a pair is the studentized-range tail probability of
  ``sqrt(2) |R_i - R_j| / sqrt(k (k + 1) / (6 N))``. It controls the family-wise error itself,
  so ``p_adjusted = p``. Written by hand with ``scipy.stats.studentized_range`` because
  scikit-posthocs is not a dependency.
- ``"wilcoxon_holm"``: every pair by the paired two-sided Wilcoxon signed-rank test (the
  settings' zero handling and method), Holm over the pairs of one metric (Benavoli et al.,
  JMLR 2016, recommend this over mean-rank tests).

Mean ranks are reported with rank 1 = best (``CompareSettings.lower_is_better``), average ranks
for ties, as the Friedman test uses them.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lesionbench.stats.frames import metric_matrix, order_models
from lesionbench.stats.settings import CompareSettings

#: Columns of ``stats/friedman.tsv``.
FRIEDMAN_COLUMNS = ["metric", "n", "k", "n_dropped", "statistic", "p", "significant", "posthoc",
                    "critical_difference", "note"]
#: Columns of ``stats/posthoc.tsv``.
POSTHOC_COLUMNS = ["metric", "model", "versus", "mean_rank", "versus_mean_rank", "statistic", "p",
                   "p_adjusted", "significant", "method"]


def mean_ranks(matrix: pd.DataFrame, larger_is_better: bool = True) -> pd.Series:
    """Mean over cases of each model's within-case rank (1 = best, ties averaged).

    Args:
        matrix: cases x models values.
        larger_is_better: direction of the metric.
    """
    values = matrix.to_numpy(dtype=float)
    ranks = stats.rankdata(-values if larger_is_better else values, method="average", axis=1)
    return pd.Series(ranks.mean(axis=0), index=matrix.columns, name="mean_rank")


def nemenyi_critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference of mean ranks for k models on n cases (Demsar 2006, eq. 5)."""
    q_alpha = stats.studentized_range.ppf(1.0 - alpha, k, np.inf) / math.sqrt(2.0)
    return float(q_alpha * math.sqrt(k * (k + 1) / (6.0 * n)))


def nemenyi(matrix: pd.DataFrame, larger_is_better: bool, settings: CompareSettings) -> pd.DataFrame:
    """Nemenyi test of every pair of models (columns of ``matrix``).

    Returns:
        One row per pair ``(model, versus)`` in column order; ``statistic`` is the scaled mean
        rank difference ``|R_i - R_j| / sqrt(k (k + 1) / (6 N))``.
    """
    n, k = matrix.shape
    ranks = mean_ranks(matrix, larger_is_better)
    scale = math.sqrt(k * (k + 1) / (6.0 * n))
    rows = []
    for a, b in itertools.combinations(matrix.columns, 2):
        z = abs(ranks[a] - ranks[b]) / scale
        p = float(stats.studentized_range.sf(z * math.sqrt(2.0), k, np.inf))
        rows.append({"model": a, "versus": b, "mean_rank": ranks[a], "versus_mean_rank": ranks[b],
                     "statistic": z, "p": min(p, 1.0), "p_adjusted": min(p, 1.0)})
    return _finish(rows, settings, "nemenyi")


def wilcoxon_holm(matrix: pd.DataFrame, larger_is_better: bool, settings: CompareSettings) -> pd.DataFrame:
    """Paired two-sided Wilcoxon test of every pair of models, Holm-adjusted over the pairs."""
    ranks = mean_ranks(matrix, larger_is_better)
    rows = []
    for a, b in itertools.combinations(matrix.columns, 2):
        x, y = matrix[a].to_numpy(float), matrix[b].to_numpy(float)
        statistic, p = float("nan"), float("nan")
        if np.any(x != y):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning)
                result = stats.wilcoxon(x, y, zero_method=settings.zero_method, correction=settings.continuity,
                                        method=settings.method)
            statistic, p = float(result.statistic), float(result.pvalue)
        rows.append({"model": a, "versus": b, "mean_rank": ranks[a], "versus_mean_rank": ranks[b],
                     "statistic": statistic, "p": p})
    adjusted = np.full(len(rows), np.nan)
    p_values = np.array([r["p"] for r in rows], dtype=float)
    finite = np.isfinite(p_values)
    if finite.any():
        adjusted[finite] = multipletests(p_values[finite], method="holm")[1]
    for row, value in zip(rows, adjusted):
        row["p_adjusted"] = value
    return _finish(rows, settings, "wilcoxon_holm")


PosthocTest = Callable[[pd.DataFrame, bool, CompareSettings], pd.DataFrame]
#: name -> post-hoc test of all pairs after the Friedman test.
POSTHOC_TESTS: dict[str, PosthocTest] = {"nemenyi": nemenyi, "wilcoxon_holm": wilcoxon_holm}


def friedman_tests(
    frames: Mapping[str, pd.DataFrame], settings: CompareSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Friedman omnibus test and post-hoc tests for every metric of ``settings.metrics``.

    The post-hoc test runs whatever the omnibus p (the table says whether the omnibus was
    significant, so a reader can apply the usual gate).

    Returns:
        ``(friedman, posthoc)`` with columns :data:`FRIEDMAN_COLUMNS` and
        :data:`POSTHOC_COLUMNS`; both have no rows when ``settings.friedman`` is false, and
        ``friedman`` carries a note and NaN when fewer than 3 models or 2 complete cases exist.
    """
    if not settings.friedman:
        return pd.DataFrame(columns=FRIEDMAN_COLUMNS), pd.DataFrame(columns=POSTHOC_COLUMNS)
    models = order_models(list(frames), settings.reference)
    rows, posthoc = [], []
    for metric in settings.metrics:
        row = {"metric": metric, "n": 0, "k": len(models), "n_dropped": 0, "statistic": np.nan, "p": np.nan,
               "significant": False, "posthoc": settings.posthoc, "critical_difference": np.nan, "note": ""}
        if len(models) < 3:
            row["note"] = "the Friedman test needs at least 3 models"
            rows.append(row)
            continue
        larger = settings.larger_is_better(metric)
        matrix = metric_matrix(frames, metric, settings.subset, models, "drop", larger)
        row.update(n=len(matrix), n_dropped=matrix.attrs["n_dropped"])
        if len(matrix) < 2:
            row["note"] = "fewer than 2 cases with a value for every model"
        elif np.all(matrix.to_numpy() == matrix.to_numpy()[:, :1]):
            row["note"] = "all models tie on every case: nothing to test"
        else:
            result = stats.friedmanchisquare(*(matrix[m].to_numpy(float) for m in models))
            row.update(statistic=float(result.statistic), p=float(result.pvalue),
                       significant=bool(result.pvalue < settings.alpha))
            if settings.posthoc == "nemenyi":
                row["critical_difference"] = nemenyi_critical_difference(len(models), len(matrix), settings.alpha)
            table = POSTHOC_TESTS[settings.posthoc](matrix, larger, settings)
            table.insert(0, "metric", metric)
            posthoc.append(table)
        rows.append(row)
    posthoc_table = pd.concat(posthoc, ignore_index=True) if posthoc else pd.DataFrame(columns=POSTHOC_COLUMNS)
    return pd.DataFrame(rows, columns=FRIEDMAN_COLUMNS), posthoc_table[POSTHOC_COLUMNS]


def _finish(rows: list[dict], settings: CompareSettings, method: str) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=[c for c in POSTHOC_COLUMNS if c not in ("metric", "significant", "method")])
    table["significant"] = (table["p_adjusted"] < settings.alpha).to_numpy()
    table["method"] = method
    return table
