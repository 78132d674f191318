"""Per-model volume agreement and the paper 002 subgroup tables, from the metrics tables.

Both use the statistics' case rule (``CompareSettings.subset``: cases with a reference lesion
by default). Columns that a metrics table lacks give NaN and a note instead of an error, so the
compare stage also runs on tables without volumes (a 2D dataset, a unit test).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lesionbench.stats.frames import metric_values, order_models, select_cases
from lesionbench.stats.settings import CompareSettings
from lesionbench.volumes.agreement import bland_altman, lins_ccc, mae, pearson, rmse

REFERENCE_COLUMN = "ref_volume_ml"
PREDICTED_COLUMN = "pred_volume_ml"
ABC2_COLUMN = "ref_abc2_ml"
#: ``model`` value of the row that scores the ABC/2 estimate of the reference mask as if it
#: were one more method (paper 002's clinical comparison).
ABC2_ROW = "abc2_reference"
ABC2_LABEL = "ABC/2 of the reference mask"
#: Columns of ``stats/volume_agreement.tsv``.
AGREEMENT_COLUMNS = ["model", "label", "n", "ref_mean_ml", "pred_mean_ml", "rmse_ml", "mae_ml", "bias_ml",
                     "sd_difference_ml", "loa_low_ml", "loa_high_ml", "pearson_r", "pearson_p", "lin_ccc", "note"]
#: Segmentation metrics of the paper 002 subgroup tables (Tables 1, 3, 5).
SUBGROUP_METRICS = ("rvd", "dice", "iou")  # the columns of paper 002 Tables 1, 3, 5
#: Columns of ``stats/volume_subgroups.tsv``.
SUBGROUP_COLUMNS = ["subgroup", "column", "model", "label", "n", *SUBGROUP_METRICS, "rmse_ml", "mae_ml"]
ALL_CASES = "all"
#: Suffix of the subgroup flags computed from mask geometry (:mod:`lesionbench.volumes.geometry`).
GEOMETRY_SUFFIX = "_geom"


def volume_pairs(frame: pd.DataFrame, predicted: str = PREDICTED_COLUMN,
                 where: str = "metrics table") -> tuple[np.ndarray, np.ndarray]:
    """``(reference, predicted)`` volumes in mL of the rows of ``frame``, in case-id order.

    Raises:
        MetricsTableError: naming ``where`` if a column is absent.
    """
    pair = pd.concat({"ref": metric_values(frame, REFERENCE_COLUMN, where),
                      "pred": metric_values(frame, predicted, where)}, axis=1).sort_index()
    return pair["ref"].to_numpy(float), pair["pred"].to_numpy(float)


def agreement_row(reference: np.ndarray, predicted: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """RMSE, MAE, Bland-Altman, Pearson and Lin of one method, as a row of numbers."""
    ba = bland_altman(reference, predicted, confidence)
    r, p = pearson(reference, predicted)
    keep = np.isfinite(reference) & np.isfinite(predicted)
    return {"n": int(keep.sum()), "ref_mean_ml": float(np.mean(reference[keep])) if keep.any() else np.nan,
            "pred_mean_ml": float(np.mean(predicted[keep])) if keep.any() else np.nan,
            "rmse_ml": rmse(reference, predicted), "mae_ml": mae(reference, predicted), "bias_ml": ba.bias,
            "sd_difference_ml": ba.sd, "loa_low_ml": ba.low, "loa_high_ml": ba.high, "pearson_r": r,
            "pearson_p": p, "lin_ccc": lins_ccc(reference, predicted)}


def volume_agreement(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """Predicted against reference volume for every model, then ABC/2 of the reference mask.

    Returns:
        One row per model (reference first) and a last row ``abc2_reference`` when the
        reference model's table has ``ref_abc2_ml``; columns :data:`AGREEMENT_COLUMNS`.
    """
    models = order_models(list(frames), settings.reference)
    rows = []
    sources = [(m, settings.label(m), m, PREDICTED_COLUMN) for m in models]
    sources.append((ABC2_ROW, ABC2_LABEL, settings.reference, ABC2_COLUMN))
    for name, label, model, column in sources:
        frame = frames[model]
        missing = [c for c in (REFERENCE_COLUMN, column) if c not in frame.columns]
        if missing:
            if name != ABC2_ROW:
                rows.append({"model": name, "label": label, "n": 0, "note": f"no {', '.join(missing)} column"})
            continue
        where = f"experiment '{model}'"
        reference, predicted = volume_pairs(select_cases(frame, settings.subset, where), column, where)
        rows.append({"model": name, "label": label, **agreement_row(reference, predicted, settings.confidence),
                     "note": ""})
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


def subgroup_column(frame: pd.DataFrame, name: str) -> str | None:
    """The column that flags subgroup ``name``: ``{name}_geom`` (mask geometry) if present,
    else ``name`` (e.g. the phantom's truth), else None."""
    for column in (f"{name}{GEOMETRY_SUFFIX}", name):
        if column in frame.columns:
            return column
    return None


def subgroup_table(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> tuple[pd.DataFrame, list[str]]:
    """Paper 002 Tables 1-6 as numbers: Rvd, Dice, IoU (means) and volume RMSE, MAE (mL) per
    model, over all selected cases and over each subgroup of ``settings.subgroups``.

    Returns:
        ``(table, notes)``: columns :data:`SUBGROUP_COLUMNS`, one row per (subgroup, model);
        the notes name the subgroups left out (no flag column) and the absent metric columns.
    """
    models = order_models(list(frames), settings.reference)
    reference = frames[settings.reference]
    groups: list[tuple[str, str | None]] = [(ALL_CASES, None)]
    notes = []
    for name in settings.subgroups:
        column = subgroup_column(reference, name)
        if column is None:
            notes.append(f"subgroup '{name}' left out: no '{name}{GEOMETRY_SUFFIX}' or '{name}' column")
        else:
            groups.append((name, column))
    absent = sorted({c for m in models for c in (*SUBGROUP_METRICS, REFERENCE_COLUMN, PREDICTED_COLUMN)
                     if c not in frames[m].columns})
    if absent:
        notes.append(f"column(s) {absent} absent from some metrics table: NA")
    rows = []
    for group, column in groups:
        for model in models:
            where = f"experiment '{model}'"
            chosen = select_cases(frames[model], settings.subset, where)
            if column is not None:
                chosen = select_cases(chosen, column, where)
            row = {"subgroup": group, "column": column or "", "model": model, "label": settings.label(model),
                   "n": len(chosen)}
            for metric in SUBGROUP_METRICS:
                values = metric_values(chosen, metric, where).to_numpy() if metric in chosen.columns else np.array([])
                row[metric] = float(np.nanmean(values)) if np.isfinite(values).any() else np.nan
            if {REFERENCE_COLUMN, PREDICTED_COLUMN} <= set(chosen.columns):
                ref, pred = volume_pairs(chosen, PREDICTED_COLUMN, where)
                row.update(rmse_ml=rmse(ref, pred), mae_ml=mae(ref, pred))
            rows.append(row)
    return pd.DataFrame(rows, columns=SUBGROUP_COLUMNS), notes
