"""Paired tests of every model against the reference model (paper 000, section 1.5).

Per metric and per model other than the reference: the two metric tables are aligned on
``case_id`` (inner join), pairs with a missing value are dropped, the paired differences
``reference - model`` are tested for normality (Shapiro-Wilk, reported as in the paper) and
with the Wilcoxon signed-rank test, and the p-values are adjusted for multiple comparisons
(Benjamini-Hochberg by default) over a family of comparisons (``CompareSettings.family``).
Beside the configured correction (``p_adjusted``) the table always carries the
Benjamini-Hochberg and the Holm adjustments over the same family (``p_fdr_bh``, ``p_holm``),
the matched-pairs rank-biserial correlation (:mod:`lesionbench.stats.effect`) and the mean
paired difference with its bootstrap confidence interval (:mod:`lesionbench.stats.bootstrap`).
The tests themselves are scipy's and statsmodels'; this module only aligns and bookkeeps.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from lesionbench.stats.bootstrap import bootstrap_paired_difference
from lesionbench.stats.effect import rank_biserial
from lesionbench.stats.frames import (
    MetricsTableError,
    describe_exclusions,
    exclusions,
    metric_values,
    order_models,
    selected_frames,
)
from lesionbench.stats.settings import CompareSettings

#: Columns of ``stats/tests.tsv`` (docs/file-formats.md, "Compare"), plus ``n_dropped`` and
#: ``dropped`` (why: ``"prediction empty (fcn8s): 2; both masks empty: 1"``), ``note`` and, after
#: them, the extra corrections and effect sizes. ``mean_difference`` and
#: its interval are ``reference - model``; ``rank_biserial > 0`` means the reference's values
#: tend to be larger.
TEST_COLUMNS = [
    "metric", "model", "reference", "n", "n_dropped", "dropped", "shapiro_p", "wilcoxon_statistic",
    "p", "p_adjusted", "significant", "note", "p_fdr_bh", "p_holm", "rank_biserial",
    "mean_difference", "mean_difference_ci_low", "mean_difference_ci_high",
]
#: Corrections always reported besides the configured one: column -> statsmodels method.
EXTRA_CORRECTIONS = {"p_fdr_bh": "fdr_bh", "p_holm": "holm"}


@dataclass(frozen=True)
class PairedResult:
    """One Wilcoxon comparison before correction.

    Attributes:
        n: complete pairs (zero differences included; ``zero_method="wilcox"`` then drops
            them inside the test, as R's ``wilcox.test`` does).
        n_dropped: common cases dropped because either value is NaN.
        shapiro_p: Shapiro-Wilk p of the differences (NaN if n < 3 or they are constant).
        statistic: Wilcoxon statistic as scipy reports it (two-sided: min(W+, W-)).
        p: unadjusted p (NaN if there is nothing to test).
        note: why a value is NaN, else empty.
        rank_biserial: matched-pairs rank-biserial correlation of ``reference - model``.
        mean_difference: mean of ``reference - model`` with its bootstrap interval
            ``ci_low``, ``ci_high``.
    """

    n: int
    n_dropped: int
    shapiro_p: float
    statistic: float
    p: float
    note: str = ""
    rank_biserial: float = float("nan")
    mean_difference: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")


def paired_test(reference: pd.Series, model: pd.Series, settings: CompareSettings) -> PairedResult:
    """Shapiro-Wilk and Wilcoxon signed-rank test of two metric series aligned on their index.

    Args:
        reference: metric values of the reference model indexed by case id.
        model: metric values of the compared model indexed by case id.
        settings: Wilcoxon options (``zero_method``, ``alternative``, ``method``, ``continuity``).

    Returns:
        The uncorrected result; the difference tested is ``reference - model``.
    """
    joined = pd.concat({"ref": reference, "model": model}, axis=1, join="inner").sort_index()
    complete = joined.dropna()
    n_dropped = len(joined) - len(complete)
    diff = (complete["ref"] - complete["model"]).to_numpy(dtype=float)
    n = len(diff)
    notes = []
    if n >= 3 and np.ptp(diff) > 0:
        shapiro_p = float(stats.shapiro(diff).pvalue)
    else:
        shapiro_p = float("nan")
        notes.append("Shapiro-Wilk needs >= 3 non-constant differences")
    if n == 0:
        return PairedResult(0, n_dropped, shapiro_p, float("nan"), float("nan"), "no complete pairs")
    ref, other = complete["ref"].to_numpy(dtype=float), complete["model"].to_numpy(dtype=float)
    interval = bootstrap_paired_difference(ref, other, settings.bootstrap_resamples, settings.confidence,
                                           settings.bootstrap_method, settings.seed)
    effect = {"rank_biserial": rank_biserial(ref, other, settings.zero_method),
              "mean_difference": interval.estimate, "ci_low": interval.low, "ci_high": interval.high}
    if np.all(diff == 0):
        notes.append("all differences are zero: nothing to test")
        return PairedResult(n, n_dropped, shapiro_p, float("nan"), float("nan"), "; ".join(notes), **effect)
    with warnings.catch_warnings():
        # scipy warns that the exact distribution is unavailable with ties or that n is small;
        # it then switches method itself (documented), so the warning adds nothing here.
        warnings.simplefilter("ignore", category=UserWarning)
        result = stats.wilcoxon(
            ref, other, zero_method=settings.zero_method, correction=settings.continuity,
            alternative=settings.alternative, method=settings.method,
        )
    return PairedResult(n, n_dropped, shapiro_p, float(result.statistic), float(result.pvalue), "; ".join(notes),
                        **effect)


def adjust(p_values: np.ndarray, method: str) -> np.ndarray:
    """Adjust p-values with statsmodels' ``multipletests``; NaN entries stay NaN and are not
    counted in the family."""
    p_values = np.asarray(p_values, dtype=float)
    out = np.full_like(p_values, np.nan)
    finite = np.isfinite(p_values)
    if finite.any():
        out[finite] = multipletests(p_values[finite], method=method)[1]
    return out


def adjust_family(table: pd.DataFrame, method: str, family: str) -> np.ndarray:
    """Adjust ``table["p"]`` over the declared family: all rows (``"table"``) or the rows of
    each metric (``"per_metric"``)."""
    out = np.full(len(table), np.nan)
    if family == "table":
        return adjust(table["p"].to_numpy(), method)
    for index in table.groupby("metric", sort=False).indices.values():
        out[index] = adjust(table["p"].to_numpy()[index], method)
    return out


def dropped_pairs(reference: pd.DataFrame, model: pd.DataFrame, metric: str, reference_name: str,
                  model_name: str) -> str:
    """Why common cases drop out of the pairs: each NaN side's reason, tagged with the model
    when only one side is NaN (``"prediction empty (fcn8s): 2; both masks empty: 1"``)."""
    ref_reasons, model_reasons = exclusions(reference, metric), exclusions(model, metric)
    common = set(metric_values(reference, metric, reference_name).index) & set(metric_values(model, metric, model_name).index)
    reasons = []
    for case in sorted(common & (set(ref_reasons.index) | set(model_reasons.index))):
        in_ref, in_model = case in ref_reasons.index, case in model_reasons.index
        if in_ref and in_model and ref_reasons[case] == model_reasons[case]:
            reasons.append(ref_reasons[case])
        elif in_model:
            reasons.append(f"{model_reasons[case]} ({model_name})")
        else:
            reasons.append(f"{ref_reasons[case]} ({reference_name})")
    return describe_exclusions(reasons)


def paired_tests(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """Test every model against ``settings.reference`` on every metric.

    Args:
        frames: ``{experiment: metrics frame}``, one row per case (docs/file-formats.md).
        settings: comparison settings.

    Returns:
        One row per (metric, model), columns :data:`TEST_COLUMNS`; ``significant`` is
        ``p_adjusted < alpha``.

    Raises:
        MetricsTableError: naming the models if they share no case, or the experiment if a
            metric column is absent.
    """
    models = order_models(list(frames), settings.reference)
    chosen = selected_frames(frames, settings.subset)
    rows = []
    for metric in settings.metrics:
        ref_values = metric_values(chosen[settings.reference], metric, f"experiment '{settings.reference}'")
        for model in models[1:]:
            values = metric_values(chosen[model], metric, f"experiment '{model}'")
            if not ref_values.index.intersection(values.index).size:
                raise MetricsTableError(
                    f"models '{settings.reference}' and '{model}' share no case (subset "
                    f"'{settings.subset}'); cannot pair them on case_id"
                )
            result = paired_test(ref_values, values, settings)
            rows.append({
                "metric": metric, "model": model, "reference": settings.reference, "n": result.n,
                "n_dropped": result.n_dropped,
                "dropped": dropped_pairs(chosen[settings.reference], chosen[model], metric, settings.reference, model),
                "shapiro_p": result.shapiro_p,
                "wilcoxon_statistic": result.statistic, "p": result.p, "note": result.note,
                "rank_biserial": result.rank_biserial, "mean_difference": result.mean_difference,
                "mean_difference_ci_low": result.ci_low, "mean_difference_ci_high": result.ci_high,
            })
    adjusted = ("p_adjusted", "significant", *EXTRA_CORRECTIONS)
    table = pd.DataFrame(rows, columns=[c for c in TEST_COLUMNS if c not in adjusted])
    for column, method in {"p_adjusted": settings.correction, **EXTRA_CORRECTIONS}.items():
        table[column] = adjust_family(table, method, settings.family)
    table["significant"] = (table["p_adjusted"] < settings.alpha).to_numpy()
    return table[TEST_COLUMNS].astype({"n": int, "n_dropped": int, "significant": bool})
