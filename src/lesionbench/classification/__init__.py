"""Classification analysis of multi-task models (paper 001): ROC curves, AUC with a bootstrap or
DeLong interval, accuracy, sensitivity and specificity with Wilson intervals at a threshold, and
DeLong / paired-bootstrap tests of AUC differences against a reference model."""

from lesionbench.classification.analysis import (
    CLASSIFICATION_COLUMNS,
    LABEL_COLUMN,
    PROB_COLUMN,
    ROC_COLUMNS,
    auc_tests,
    classification_data,
    classification_series,
    classification_table,
    has_classification,
    roc_table,
)
from lesionbench.classification.comparison import (
    COMPARISON_COLUMNS,
    auc_comparison_table,
)
from lesionbench.classification.delong import (
    AucComparison,
    AucInterval,
    delong_auc,
    delong_covariance,
    delong_test,
    structural_components,
)
from lesionbench.classification.paired_bootstrap import (
    bootstrap_auc_test,
    paired_bootstrap_differences,
)
from lesionbench.classification.roc import (
    RocCurve,
    auc,
    bootstrap_auc,
    roc_curve,
    threshold_metrics,
)
from lesionbench.classification.summary import (
    SUMMARY_KEYS,
    classification_summary,
    wilson_interval,
)

__all__ = [
    "CLASSIFICATION_COLUMNS", "COMPARISON_COLUMNS", "LABEL_COLUMN", "PROB_COLUMN", "ROC_COLUMNS", "SUMMARY_KEYS",
    "AucComparison", "AucInterval", "RocCurve", "auc", "auc_comparison_table", "auc_tests", "bootstrap_auc",
    "bootstrap_auc_test", "classification_data", "classification_series", "classification_summary",
    "classification_table", "delong_auc", "delong_covariance", "delong_test", "has_classification",
    "paired_bootstrap_differences", "roc_curve", "roc_table", "structural_components", "threshold_metrics",
    "wilson_interval",
]
