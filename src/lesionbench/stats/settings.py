"""Settings of the comparison stage, read from the ``compare`` block of the configuration.

The defaults follow paper 000, section 1.5: Wilcoxon signed-rank test of the proposed model
(the *reference*) against each other model, Benjamini-Hochberg FDR correction, two-sided
alpha = 0.05. The paper ran R 4.0.3, so the Wilcoxon defaults mirror R's ``wilcox.test``:
zero differences are dropped (``zero_method="wilcox"``) and the normal approximation, when it is
used, carries a continuity correction (``continuity=True``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from statsmodels.stats.multitest import multitest_methods_names

from lesionbench.io.settings import load_settings  # noqa: F401  (re-exported)

#: Display names of the metric columns of ``metrics/{experiment}.tsv`` (paper 000 writes
#: sensitivity as "SC"; set ``metric_labels`` to override any of them).
DEFAULT_METRIC_LABELS: dict[str, str] = {
    "dice": "Dice", "iou": "IoU", "ppv": "PPV", "sensitivity": "Sensitivity",
    "specificity": "Specificity", "accuracy": "Accuracy", "f1": "F1", "rvd": "RVD",
    "hd95": "HD95 (mm)", "asd": "ASD (mm)", "hd95_worst": "HD95 worst (mm)",
    "asd_worst": "ASD worst (mm)", "ref_volume_ml": "Reference volume (mL)",
    "pred_volume_ml": "Predicted volume (mL)", "ref_abc2_ml": "Reference ABC/2 (mL)",
    "pred_abc2_ml": "Predicted ABC/2 (mL)",
}

#: Method names :func:`statsmodels.stats.multitest.multipletests` accepts (its short names
#: ``"fdr_bh"``, ``"h"``, ... and the long spellings) -> display name.
CORRECTIONS: dict[str, str] = {
    **multitest_methods_names, "bonferroni": "Bonferroni", "sidak": "Sidak", "holm": "Holm",
    "holm-sidak": "Holm-Sidak", "simes-hochberg": "Simes-Hochberg", "hommel": "Hommel",
    "fdr_i": "FDR Benjamini-Hochberg", "fdr_n": "FDR Benjamini-Yekutieli",
}
ZERO_METHODS = ("wilcox", "pratt", "zsplit")
ALTERNATIVES = ("two-sided", "less", "greater")
WILCOXON_METHODS = ("auto", "exact", "asymptotic")
#: Families of the multiple-comparison correction: all comparisons of one metric (one column
#: group of Table 1), or every comparison in the table at once.
FAMILIES = ("per_metric", "table")


class SettingsError(ValueError):
    """A settings value is missing, unknown or of the wrong type."""


@dataclass(frozen=True)
class CompareSettings:
    """Typed view of the ``compare`` settings.

    Attributes:
        reference: experiment every other model is tested against (paper 000 Table 1: "Ours").
        metrics: metric columns to compare, in table order.
        correction: a :func:`statsmodels.stats.multitest.multipletests` method name.
        family: ``"per_metric"`` (default: the comparisons of one metric form one family, as
            each metric's P* column of Table 1 is read on its own) or ``"table"`` (all
            comparisons of all metrics form one family; DESIGN.md "Statistics").
        alpha: significance level of the adjusted p-values (two-sided 0.05 in paper 000).
        alternative: ``"two-sided"``, ``"less"`` or ``"greater"``, for the difference
            reference minus model.
        zero_method: Wilcoxon zero-difference rule (``"wilcox"`` drops zeros as R does).
        method: ``scipy.stats.wilcoxon`` p-value method (``"auto"``: exact for n <= 50 without
            ties or zeros, otherwise permutation for n <= 13 or normal approximation).
        continuity: continuity correction of the normal approximation (R's default).
        subset: which cases enter statistics and figures. ``"auto"`` (default): the cases with
            a reference lesion: rows whose ``has_lesion`` is true if that column exists, else
            rows whose ``ref_empty`` is false, else all rows. Overlap metrics are undefined or
            trivially 1 on empty references (Metrics Reloaded), so including them would pull
            every model towards 1. ``"all"``: every row. A column name: rows where it is true;
            ``"~column"``: rows where it is false.
        labels: display names of experiments (e.g. ``{"improved_unet": "Ours"}``).
        metric_labels: display names of metrics, on top of :data:`DEFAULT_METRIC_LABELS`.
        decimals: decimals of metric values in the formatted table (2 in paper 000).
        p_decimals: decimals of P* (3 in paper 000).
        p_floor: P* below this prints as ``"<0.001"``.
    """

    reference: str
    metrics: tuple[str, ...] = ("dice", "ppv", "sensitivity")
    correction: str = "fdr_bh"
    family: str = "per_metric"
    alpha: float = 0.05
    alternative: str = "two-sided"
    zero_method: str = "wilcox"
    method: str = "auto"
    continuity: bool = True
    subset: str = "auto"
    labels: Mapping[str, str] = field(default_factory=dict)
    metric_labels: Mapping[str, str] = field(default_factory=dict)
    decimals: int = 2
    p_decimals: int = 3
    p_floor: float = 0.001

    def __post_init__(self) -> None:
        _check_choice("correction", self.correction, tuple(CORRECTIONS))
        _check_choice("family", self.family, FAMILIES)
        _check_choice("alternative", self.alternative, ALTERNATIVES)
        _check_choice("zero_method", self.zero_method, ZERO_METHODS)
        _check_choice("method", self.method, WILCOXON_METHODS)
        if not isinstance(self.reference, str) or not self.reference:
            raise SettingsError("compare settings: 'reference' must be a non-empty experiment name")
        if not self.metrics or not all(isinstance(m, str) for m in self.metrics):
            raise SettingsError("compare settings: 'metrics' must be a non-empty list of column names")
        if not 0.0 < float(self.alpha) < 1.0:
            raise SettingsError(f"compare settings: 'alpha' must lie in (0, 1), got {self.alpha!r}")
        if not isinstance(self.subset, str) or not self.subset:
            raise SettingsError("compare settings: 'subset' must be 'auto', 'all', a column or '~column'")
        for key in ("decimals", "p_decimals"):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise SettingsError(f"compare settings: '{key}' must be a non-negative integer, got {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CompareSettings:
        """Build settings from a plain dict (the ``compare`` block of the config).

        Raises:
            SettingsError: naming an unknown key, a missing ``reference`` or a bad value.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"compare settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        if "reference" not in data:
            raise SettingsError("compare settings: 'reference' (the model the others are tested against) is required")
        values = dict(data)
        if "metrics" in values:
            if isinstance(values["metrics"], str):
                raise SettingsError("compare settings: 'metrics' must be a list, not a string")
            values["metrics"] = tuple(values["metrics"])
        for key in ("labels", "metric_labels"):
            if key in values and not isinstance(values[key], Mapping):
                raise SettingsError(f"compare settings: '{key}' must be a mapping name -> display name")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (for provenance)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["metrics"] = list(self.metrics)
        out["labels"] = dict(self.labels)
        out["metric_labels"] = dict(self.metric_labels)
        return out

    def label(self, experiment: str) -> str:
        """Display name of an experiment."""
        return str(self.labels.get(experiment, experiment))

    def metric_label(self, metric: str) -> str:
        """Display name of a metric column."""
        return str(self.metric_labels.get(metric, DEFAULT_METRIC_LABELS.get(metric, metric)))


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"compare settings: '{key}' is {value!r}; valid values are {list(choices)}")
