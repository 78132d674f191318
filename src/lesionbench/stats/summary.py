"""Descriptive statistics per model and metric (paper 000, Table 1).

Table 1 reports, per model and metric, Median (P25, P75) and mean +- sd. Each model is
summarised on its own selected cases (``CompareSettings.subset``), NaN values left out, as a
table of results describes each network; the paired tests use the common cases only.
Quantiles are numpy's default linear interpolation, which is R's ``quantile`` type 7 (the paper
used R 4.0.3); the sd has ddof = 1 as R's ``sd``. The global Dice DSC(G) of paper 003 is a
per-model number, not a per-case one, so it is reported beside Table 1 (:func:`global_dice`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lesionbench.stats.bootstrap import bootstrap_mean
from lesionbench.stats.frames import describe_exclusions, exclusions, metric_values, order_models, selected_frames
from lesionbench.stats.settings import CompareSettings

#: Columns of ``stats/summary.tsv``.
SUMMARY_COLUMNS = [
    "model", "label", "is_reference", "metric", "n", "n_excluded", "excluded", "median", "p25", "p75", "mean", "sd",
    "p", "p_adjusted", "significant", "mean_ci_low", "mean_ci_high",
]


def describe(values: np.ndarray) -> dict[str, float]:
    """n, median, P25, P75, mean and sd (ddof=1) of the finite entries of ``values``."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = int(values.size)
    if n == 0:
        nan = float("nan")
        return {"n": 0, "median": nan, "p25": nan, "p75": nan, "mean": nan, "sd": nan}
    p25, median, p75 = np.percentile(values, [25, 50, 75])
    sd = float(np.std(values, ddof=1)) if n > 1 else float("nan")
    return {"n": n, "median": float(median), "p25": float(p25), "p75": float(p75),
            "mean": float(values.mean()), "sd": sd}


def summary_table(
    frames: Mapping[str, pd.DataFrame], tests: pd.DataFrame, settings: CompareSettings
) -> pd.DataFrame:
    """Descriptive statistics per model and metric, with the p-values against the reference.

    Args:
        frames: ``{experiment: metrics frame}``.
        tests: output of :func:`lesionbench.stats.paired.paired_tests` for the same frames.
        settings: comparison settings (reference, metrics, subset, labels).

    Returns:
        One row per (model, metric), models in table order (reference first), columns
        :data:`SUMMARY_COLUMNS`; ``n_excluded`` cases of the selection have no value of the
        metric, for the reasons counted in ``excluded``. ``p``/``p_adjusted``/``significant`` are empty for the
        reference; ``mean_ci_low``/``mean_ci_high`` are the bootstrap interval of the mean
        (``CompareSettings.bootstrap_*``, ``confidence``, ``seed``).
    """
    models = order_models(list(frames), settings.reference)
    chosen = selected_frames(frames, settings.subset)
    lookup = tests.set_index(["metric", "model"]) if len(tests) else None
    rows = []
    for model in models:
        for metric in settings.metrics:
            values = metric_values(chosen[model], metric, f"experiment '{model}'").to_numpy()
            interval = bootstrap_mean(values, settings.bootstrap_resamples, settings.confidence,
                                      settings.bootstrap_method, settings.seed)
            excluded = exclusions(chosen[model], metric)
            row = {"model": model, "label": settings.label(model), "is_reference": model == settings.reference,
                   "metric": metric, **describe(values), "n_excluded": len(excluded),
                   "excluded": describe_exclusions(excluded.tolist()), "p": np.nan, "p_adjusted": np.nan,
                   "significant": pd.NA, "mean_ci_low": interval.low, "mean_ci_high": interval.high}
            if model != settings.reference and lookup is not None and (metric, model) in lookup.index:
                test = lookup.loc[(metric, model)]
                row.update(p=float(test["p"]), p_adjusted=float(test["p_adjusted"]),
                           significant=bool(test["significant"]))
            rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


#: Columns of ``stats/global_dice.tsv``.
GLOBAL_COLUMNS = ["model", "label", "n_cases", "tp", "fp", "fn", "dsc_global", "note"]
COUNT_COLUMNS = ("tp", "fp", "fn")


def global_dice(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """Global Dice DSC(G) per model: ``2 sum(TP) / (2 sum(TP) + sum(FP) + sum(FN))``.

    Paper 003 (section 3.5.2, after D-UNet) reports DSC(G) over all cases of the test set,
    beside the per-case mean DSC; so every row counts here, whatever ``settings.subset`` says
    (cases without a reference lesion add their false positives). The voxel counts are the
    ``tp, fp, fn`` columns of the metric tables (docs/file-formats.md, "Evaluate").

    Returns:
        One row per model (reference first), columns :data:`GLOBAL_COLUMNS`; ``dsc_global`` is
        NaN with a note if a table lacks the count columns or all counts are zero.
    """
    rows = []
    for model in order_models(list(frames), settings.reference):
        frame = frames[model]
        row = {"model": model, "label": settings.label(model), "n_cases": len(frame), "tp": np.nan,
               "fp": np.nan, "fn": np.nan, "dsc_global": np.nan, "note": ""}
        missing = [c for c in COUNT_COLUMNS if c not in frame.columns]
        if missing:
            row["note"] = f"no {', '.join(missing)} column(s) in the metrics table"
        else:
            tp, fp, fn = (float(metric_values(frame, c, f"experiment '{model}'").sum()) for c in COUNT_COLUMNS)
            row.update(tp=tp, fp=fp, fn=fn)
            denominator = 2 * tp + fp + fn
            if denominator > 0:
                row["dsc_global"] = 2 * tp / denominator
            else:
                row["note"] = "no foreground in any reference or prediction"
        rows.append(row)
    return pd.DataFrame(rows, columns=GLOBAL_COLUMNS)
