"""Classification results per model from the metrics tables (paper 001, Tables 2-3, Fig. 6).

Models with a classification head (issue 6) add two per-case columns to their metrics table:
``cls_prob``, the predicted probability of the positive class (AVM in paper 001), and
``cls_label``, the truth (boolean or 0/1). Every row with both values counts, whatever
``CompareSettings.subset`` says: the classification concerns each case, lesion or not. Models
without the columns are left out of these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lesionbench.classification.roc import (
    auc,
    bootstrap_auc,
    roc_curve,
    threshold_metrics,
)
from lesionbench.stats.frames import (
    MetricsTableError,
    as_bool,
    metric_values,
    order_models,
)
from lesionbench.stats.settings import CompareSettings

PROB_COLUMN = "cls_prob"
LABEL_COLUMN = "cls_label"
#: Columns of ``stats/classification.tsv``.
CLASSIFICATION_COLUMNS = ["model", "label", "n", "n_positive", "n_negative", "threshold", "tp", "fp", "fn", "tn",
                          "accuracy", "sensitivity", "specificity", "auc", "auc_ci_low", "auc_ci_high", "note"]
#: Columns of ``stats/roc.tsv``.
ROC_COLUMNS = ["model", "label", "threshold", "fpr", "tpr"]


def has_classification(frame: pd.DataFrame) -> bool:
    """Whether a metrics table carries ``cls_prob`` and ``cls_label``."""
    return {PROB_COLUMN, LABEL_COLUMN} <= set(frame.columns)


def classification_data(frame: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, probabilities)`` of the rows with both values, in case-id order.

    Raises:
        MetricsTableError: naming ``where`` for a non-boolean label or a probability outside
            [0, 1].
    """
    probs = metric_values(frame, PROB_COLUMN, where)
    keep = probs.notna().to_numpy() & frame[LABEL_COLUMN].notna().to_numpy()
    labels = as_bool(frame.loc[keep, LABEL_COLUMN], f"{where}, column '{LABEL_COLUMN}'")
    probs = probs[keep]
    if ((probs < 0) | (probs > 1)).any():
        raise MetricsTableError(f"{where}: '{PROB_COLUMN}' has values outside [0, 1]")
    order = np.argsort(probs.index.to_numpy(), kind="stable")
    return labels[order], probs.to_numpy(float)[order]


def classification_table(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """Accuracy, sensitivity, specificity at ``settings.classification_threshold`` and the AUC
    with its bootstrap interval, one row per model that has the columns."""
    rows = []
    for model in order_models(list(frames), settings.reference):
        if not has_classification(frames[model]):
            continue
        labels, probs = classification_data(frames[model], f"experiment '{model}'")
        n_pos = int(labels.sum())
        row = {"model": model, "label": settings.label(model), "n": len(labels), "n_positive": n_pos,
               "n_negative": len(labels) - n_pos, "threshold": settings.classification_threshold,
               **threshold_metrics(labels, probs, settings.classification_threshold),
               "auc": auc(labels, probs), "note": ""}
        low, high = bootstrap_auc(labels, probs, settings.bootstrap_resamples, settings.confidence, settings.seed)
        row.update(auc_ci_low=low, auc_ci_high=high)
        if n_pos == 0 or n_pos == len(labels):
            row["note"] = "one class only: AUC undefined"
        rows.append(row)
    return pd.DataFrame(rows, columns=CLASSIFICATION_COLUMNS)


def roc_table(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """ROC points of every model with both classes, in threshold order (``+inf`` first)."""
    parts = []
    for model in order_models(list(frames), settings.reference):
        if not has_classification(frames[model]):
            continue
        labels, probs = classification_data(frames[model], f"experiment '{model}'")
        if labels.all() or not labels.any():
            continue
        curve = roc_curve(labels, probs)
        parts.append(pd.DataFrame({"model": model, "label": settings.label(model), "threshold": curve.thresholds,
                                   "fpr": curve.fpr, "tpr": curve.tpr}))
    return pd.concat(parts, ignore_index=True)[ROC_COLUMNS] if parts else pd.DataFrame(columns=ROC_COLUMNS)
