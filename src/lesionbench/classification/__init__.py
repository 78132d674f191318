"""Classification analysis of multi-task models (paper 001): ROC curves, AUC with a bootstrap
interval, and accuracy, sensitivity and specificity at a threshold."""

from lesionbench.classification.analysis import (
    CLASSIFICATION_COLUMNS,
    LABEL_COLUMN,
    PROB_COLUMN,
    ROC_COLUMNS,
    classification_data,
    classification_table,
    has_classification,
    roc_table,
)
from lesionbench.classification.roc import (
    RocCurve,
    auc,
    bootstrap_auc,
    roc_curve,
    threshold_metrics,
)

__all__ = [
    "CLASSIFICATION_COLUMNS", "LABEL_COLUMN", "PROB_COLUMN", "ROC_COLUMNS", "RocCurve", "auc", "bootstrap_auc",
    "classification_data", "classification_table", "has_classification", "roc_curve", "roc_table",
    "threshold_metrics",
]
