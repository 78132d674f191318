"""Settings of the comparison stage, read from the ``compare`` block of the configuration.

The defaults follow paper 000, section 1.5: Wilcoxon signed-rank test of the proposed model
(the *reference*) against each other model, Benjamini-Hochberg FDR correction, two-sided
alpha = 0.05. The paper ran R 4.0.3, so the Wilcoxon defaults mirror R's ``wilcox.test``:
zero differences are dropped (``zero_method="wilcox"``) and the normal approximation, when it is
used, carries a continuity correction (``continuity=True``). The ranking defaults follow
challengeR (Wiesenfarth et al., Sci Rep 2021): mean-then-rank, 1000 bootstrap samples of cases,
one-sided Wilcoxon tests with Holm correction for test-then-rank.
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
    "hd95": "HD95 (mm)", "asd": "ASD (mm)", "hd95_nan": "HD95, misses excluded (mm)",
    "asd_nan": "ASD, misses excluded (mm)", "ref_volume_ml": "Reference volume (mL)",
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
#: ``scipy.stats.bootstrap`` confidence-interval methods.
BOOTSTRAP_METHODS = ("percentile", "basic", "BCa")
#: Post-hoc tests after the Friedman omnibus (``lesionbench.stats.omnibus.POSTHOC_TESTS``).
POSTHOC_NAMES = ("nemenyi", "wilcoxon_holm")
#: Ranking schemes of challengeR (``lesionbench.ranking.RANKING_METHODS``).
RANKING_NAMES = ("aggregate_then_rank", "rank_then_aggregate", "test_then_rank")
RANKING_AGGREGATES = ("mean", "median")
#: What a missing metric value becomes before ranking: the case is dropped for every model,
#: or the value is replaced by the worst value observed for that metric (challengeR's
#: ``na.treat`` with a worst value).
RANKING_MISSING = ("drop", "worst")
#: Metric columns for which a smaller value is better (distances, volume differences).
DEFAULT_LOWER_IS_BETTER = ("rvd", "hd95", "asd", "hd95_nan", "asd_nan")
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
            comparisons of all metrics form one family; docs/architecture.md, "Statistics").
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
        table_styles: table layouts to write (``lesionbench.stats.styles.TABLE_STYLES``:
            ``paper000`` ... ``paper004``); each writes ``table_{style}.{tsv,md,tex,html}`` and
            the first one also ``table.{md,tex,html}``.
        style_decimals: decimals per style, overriding the paper's (``{"paper002": 2}``).
        bootstrap_resamples: resamples of the bootstrap confidence intervals (mean, paired
            mean difference, AUC).
        bootstrap_method: ``"BCa"`` (scipy's default), ``"percentile"`` or ``"basic"``.
        confidence: level of every confidence interval (0.95).
        seed: seed of every bootstrap (intervals and ranking stability).
        friedman: run the Friedman omnibus test and its post-hoc test (needs >= 3 models).
        posthoc: ``"nemenyi"`` (all pairs, studentized range of mean ranks; Demsar 2006) or
            ``"wilcoxon_holm"`` (all pairs, paired Wilcoxon, Holm over the pairs of a metric).
        ranking_metrics: metrics the models are ranked on (challengeR analyses).
        ranking_method: ranking scheme whose bootstrap stability is reported and plotted.
        ranking_aggregate: ``"mean"`` or ``"median"`` for aggregate-then-rank.
        ranking_resamples: bootstrap samples of cases for ranking stability (1000 as challengeR).
        ranking_missing: ``"drop"`` or ``"worst"`` (see :data:`RANKING_MISSING`).
        lower_is_better: metric columns where a smaller value is better (ranking, plots).
        volume_bands_ml: band edges in mL for the ABC/2 analysis (paper 002: ``<20, 20-40,
            >=40``).
        subgroups: subgroup flags for the paper 002 subgroup tables; the column
            ``{name}_geom`` (from mask geometry) is used when present, else ``{name}``.
        classification_threshold: predicted probability at or above which a case is called
            positive (accuracy, sensitivity, specificity; paper 001).
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
    table_styles: tuple[str, ...] = ("paper000",)
    style_decimals: Mapping[str, int] = field(default_factory=dict)
    bootstrap_resamples: int = 2000
    bootstrap_method: str = "BCa"
    confidence: float = 0.95
    seed: int = 0
    friedman: bool = True
    posthoc: str = "nemenyi"
    ranking_metrics: tuple[str, ...] = ("dice",)
    ranking_method: str = "aggregate_then_rank"
    ranking_aggregate: str = "mean"
    ranking_resamples: int = 1000
    ranking_missing: str = "drop"
    lower_is_better: tuple[str, ...] = DEFAULT_LOWER_IS_BETTER
    volume_bands_ml: tuple[float, ...] = (20.0, 40.0)
    subgroups: tuple[str, ...] = ("irregular", "near_skull")
    classification_threshold: float = 0.5

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
        for key in ("decimals", "p_decimals", "seed"):
            _check_int(key, getattr(self, key), 0)
        for key in ("bootstrap_resamples", "ranking_resamples"):
            _check_int(key, getattr(self, key), 1)
        _check_choice("bootstrap_method", self.bootstrap_method, BOOTSTRAP_METHODS)
        _check_choice("posthoc", self.posthoc, POSTHOC_NAMES)
        _check_choice("ranking_method", self.ranking_method, RANKING_NAMES)
        _check_choice("ranking_aggregate", self.ranking_aggregate, RANKING_AGGREGATES)
        _check_choice("ranking_missing", self.ranking_missing, RANKING_MISSING)
        from lesionbench.stats.styles import (
            TABLE_STYLES,  # the registry imports this module
        )

        if not self.table_styles:
            raise SettingsError("compare settings: 'table_styles' must name at least one style")
        for style in self.table_styles:
            _check_choice("table_styles", style, tuple(TABLE_STYLES))
        for style, decimals in self.style_decimals.items():
            _check_choice("style_decimals", style, tuple(TABLE_STYLES))
            _check_int(f"style_decimals.{style}", decimals, 0)
        if not 0.0 < float(self.confidence) < 1.0:
            raise SettingsError(f"compare settings: 'confidence' must lie in (0, 1), got {self.confidence!r}")
        if not isinstance(self.friedman, bool):
            raise SettingsError(f"compare settings: 'friedman' must be true or false, got {self.friedman!r}")
        bands = [float(b) for b in self.volume_bands_ml]
        if any(b <= 0 for b in bands) or bands != sorted(set(bands)):
            raise SettingsError(
                f"compare settings: 'volume_bands_ml' must be increasing positive volumes in mL, got {self.volume_bands_ml!r}")
        if not 0.0 <= float(self.classification_threshold) <= 1.0:
            raise SettingsError(
                f"compare settings: 'classification_threshold' must lie in [0, 1], got {self.classification_threshold!r}")

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
        for key in _LIST_KEYS:
            if key in values:
                if isinstance(values[key], str) or not isinstance(values[key], (list, tuple)):
                    raise SettingsError(f"compare settings: '{key}' must be a list, not {type(values[key]).__name__}")
                values[key] = tuple(values[key])
        for key in ("labels", "metric_labels", "style_decimals"):
            if key in values and not isinstance(values[key], Mapping):
                raise SettingsError(f"compare settings: '{key}' must be a mapping name -> display name")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (for provenance)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in _LIST_KEYS:
            out[key] = list(getattr(self, key))
        for key in ("labels", "metric_labels", "style_decimals"):
            out[key] = dict(getattr(self, key))
        return out

    def larger_is_better(self, metric: str) -> bool:
        """Whether a larger value of ``metric`` is better (not in ``lower_is_better``)."""
        return metric not in self.lower_is_better

    def label(self, experiment: str) -> str:
        """Display name of an experiment."""
        return str(self.labels.get(experiment, experiment))

    def metric_label(self, metric: str) -> str:
        """Display name of a metric column."""
        return str(self.metric_labels.get(metric, DEFAULT_METRIC_LABELS.get(metric, metric)))


#: Keys whose value is a list (stored as a tuple).
_LIST_KEYS = ("metrics", "table_styles", "ranking_metrics", "lower_is_better", "volume_bands_ml", "subgroups")


def _check_int(key: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        kind = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        raise SettingsError(f"compare settings: '{key}' must be {kind}, got {value!r}")


def _check_choice(key: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"compare settings: '{key}' is {value!r}; valid values are {list(choices)}")
