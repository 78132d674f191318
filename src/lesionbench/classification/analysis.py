"""Classification results per model from the metrics tables (paper 001, Tables 2-3, Fig. 6).

Models with a classification head (issue 6) add two per-case columns to their metrics table:
``cls_prob``, the predicted probability of the positive class (AVM in paper 001), and
``cls_label``, the truth (boolean or 0/1). Every row with both values counts, whatever
``CompareSettings.subset`` says: the classification concerns each case, lesion or not. Models
without the columns are left out of these tables. :func:`auc_tests` adds DeLong (or paired
bootstrap) tests of each model's AUC against the reference's on the same cases.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from lesionbench.classification.comparison import (
    COMPARISON_COLUMNS,
    auc_comparison_table,
)
from lesionbench.classification.roc import roc_curve
from lesionbench.classification.summary import SUMMARY_KEYS, classification_summary
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
#: Counts, accuracy, sensitivity and specificity with Wilson intervals, the AUC with its bootstrap
#: interval (``auc_ci_*``) and its DeLong standard error and interval (``auc_*delong*``).
CLASSIFICATION_COLUMNS = ["model", "label", *SUMMARY_KEYS]
#: Columns of ``stats/roc.tsv``.
ROC_COLUMNS = ["model", "label", "threshold", "fpr", "tpr"]


def has_classification(frame: pd.DataFrame) -> bool:
    """Whether a metrics table carries ``cls_prob`` and ``cls_label``."""
    return {PROB_COLUMN, LABEL_COLUMN} <= set(frame.columns)


def classification_series(frame: pd.DataFrame, where: str) -> tuple[pd.Series, pd.Series]:
    """``(labels, probabilities)`` of the rows with both values as Series indexed by case id,
    in case-id order (labels bool, probabilities float).

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
    return pd.Series(labels[order], probs.index[order]), probs.iloc[order].astype(float)


def classification_data(frame: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``(labels, probabilities)`` arrays of :func:`classification_series`, in case-id order."""
    labels, probs = classification_series(frame, where)
    return labels.to_numpy(bool), probs.to_numpy(float)


def classification_table(frames: Mapping[str, pd.DataFrame], settings: CompareSettings) -> pd.DataFrame:
    """Paper 001 Tables 2-3, one row per model that has the columns: counts, accuracy,
    sensitivity, specificity at ``settings.classification_threshold`` with Wilson intervals, the
    AUC with its bootstrap interval and its DeLong interval
    (:func:`~lesionbench.classification.summary.classification_summary`; all intervals at
    ``settings.confidence``)."""
    rows = []
    for model in order_models(list(frames), settings.reference):
        if not has_classification(frames[model]):
            continue
        labels, probs = classification_data(frames[model], f"experiment '{model}'")
        rows.append({"model": model, "label": settings.label(model),
                     **classification_summary(labels, probs, settings.classification_threshold,
                                              settings.bootstrap_resamples, settings.confidence, settings.seed)})
    return pd.DataFrame(rows, columns=CLASSIFICATION_COLUMNS)


def auc_tests(frames: Mapping[str, pd.DataFrame], settings: CompareSettings, method: str = "delong") -> pd.DataFrame:
    """Every model with a classification output against ``settings.reference``
    (:func:`~lesionbench.classification.comparison.auc_comparison_table`, columns
    :data:`COMPARISON_COLUMNS`), aligned on case ids, p-values adjusted by
    ``settings.correction`` (Benjamini-Hochberg by default). Empty when the reference has no
    classification output.

    Raises:
        ValueError: naming the models when their cases (rows with both values) or labels differ.
    """
    models = {}
    for model in order_models(list(frames), settings.reference):
        if has_classification(frames[model]):
            models[model] = classification_series(frames[model], f"experiment '{model}'")
    if settings.reference not in models:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    return auc_comparison_table(models, settings.reference, method, settings.correction, settings.confidence,
                                settings.bootstrap_resamples, settings.seed)


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
