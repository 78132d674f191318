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

from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt
from statsmodels.stats.multitest import multitest_methods_names

from lesionbench.config import Number, Settings, SettingsError, choice  # noqa: F401  (SettingsError re-exported)
from lesionbench.stats.style_names import TABLE_STYLE_NAMES

from lesionbench.io.settings import load_settings  # noqa: F401  (re-exported)

#: Display names of the metric columns of ``metrics/{experiment}.tsv`` (paper 000 writes
#: sensitivity as "SC"; set ``metric_labels`` to override any of them).
DEFAULT_METRIC_LABELS: dict[str, str] = {
    "dice": "Dice", "iou": "IoU", "ppv": "PPV", "sensitivity": "Sensitivity",
    "specificity": "Specificity", "accuracy": "Accuracy", "f1": "F1", "rvd": "RVD",
    "hd95": "HD95 (mm)", "asd": "ASD (mm)", "hd95_nan": "HD95, misses excluded (mm)",
    "asd_nan": "ASD, misses excluded (mm)", "ref_volume_ml": "Reference volume (mL)",
    "pred_volume_ml": "Predicted volume (mL)", "ref_abc2_ml": "Reference ABC/2 (mL)",
    "pred_abc2_ml": "Predicted ABC/2 (mL)", "auc": "AUC", "ap": "AP",
    "dice_mean256": "Mean Dice (256 thresholds)", "dice_max256": "Max Dice (256 thresholds)",
    "dice_voi": "DSC (VOI)", "sensitivity_voi": "Sensitivity (VOI)", "specificity_voi": "Specificity (VOI)",
    "ppv_voi": "PPV (VOI)", "nsd": "NSD", "lesion_f1": "Lesion-wise F1", "lesion_count_diff": "Lesion count difference",
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
DEFAULT_LOWER_IS_BETTER = ("rvd", "hd95", "asd", "hd95_nan", "asd_nan", "lesion_count_diff")
ALTERNATIVES = ("two-sided", "less", "greater")
WILCOXON_METHODS = ("auto", "exact", "asymptotic")
#: Families of the multiple-comparison correction: all comparisons of one metric (one column
#: group of Table 1), or every comparison in the table at once.
FAMILIES = ("per_metric", "table")


def _metric_names() -> list[str]:
    from lesionbench.metrics.registry import METRIC_NAMES

    return list(METRIC_NAMES)


#: A metric column of ``metrics/{experiment}.tsv`` (:data:`lesionbench.metrics.registry.METRIC_NAMES`:
#: the label-map metrics, then the threshold-free ones, columns only where probability maps were saved, then
#: the ones inside the VOI, columns only where predict wrote VOI crops: ``3d_voi`` models).
MetricName = choice("metric", _metric_names)


#: A table style name (:data:`lesionbench.stats.style_names.TABLE_STYLE_NAMES`).
TableStyleName = choice("table style", TABLE_STYLE_NAMES)


def _increasing(bands: tuple[float, ...]) -> tuple[float, ...]:
    if list(bands) != sorted(set(bands)):
        raise ValueError(f"must be increasing volumes in mL, got {list(bands)}")
    return bands


class CompareSettings(Settings):
    """``compare``: paired tests of every model against the reference, corrected for multiplicity.

    One Wilcoxon signed-rank test per model and metric on the per-case values, p-values adjusted
    by ``correction`` within each ``family``; each excluded (NaN) case is counted per metric.

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
            the first one also ``table.{md,tex,html}``. (The names live in
            :mod:`lesionbench.stats.style_names`, so this module does not import the styles,
            which import it.)
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

    WHERE: ClassVar[str] = "compare"

    reference: Annotated[str, Field(min_length=1)]
    metrics: Annotated[tuple[MetricName, ...], Field(min_length=1)] = ("dice", "ppv", "sensitivity")
    correction: choice("correction", tuple(CORRECTIONS)) = "fdr_bh"  # type: ignore[valid-type]
    family: Literal["per_metric", "table"] = "per_metric"
    alpha: Annotated[Number, Field(gt=0.0, lt=1.0)] = 0.05
    alternative: Literal["two-sided", "less", "greater"] = "two-sided"
    zero_method: Literal["wilcox", "pratt", "zsplit"] = "wilcox"
    method: Literal["auto", "exact", "asymptotic"] = "auto"
    continuity: StrictBool = True
    subset: Annotated[str, Field(min_length=1)] = "auto"
    labels: dict[str, str] = {}
    metric_labels: dict[str, str] = {}
    decimals: Annotated[StrictInt, Field(ge=0)] = 2
    p_decimals: Annotated[StrictInt, Field(ge=0)] = 3
    p_floor: Annotated[Number, Field(gt=0.0)] = 0.001
    table_styles: Annotated[tuple[TableStyleName, ...], Field(min_length=1)] = ("paper000",)
    style_decimals: dict[TableStyleName, Annotated[StrictInt, Field(ge=0)]] = {}
    bootstrap_resamples: Annotated[StrictInt, Field(ge=1)] = 2000
    bootstrap_method: Literal["percentile", "basic", "BCa"] = "BCa"
    confidence: Annotated[Number, Field(gt=0.0, lt=1.0)] = 0.95
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    friedman: StrictBool = True
    posthoc: Literal["nemenyi", "wilcoxon_holm"] = "nemenyi"
    ranking_metrics: tuple[MetricName, ...] = ("dice",)
    ranking_method: Literal["aggregate_then_rank", "rank_then_aggregate", "test_then_rank"] = "aggregate_then_rank"
    ranking_aggregate: Literal["mean", "median"] = "mean"
    ranking_resamples: Annotated[StrictInt, Field(ge=1)] = 1000
    ranking_missing: Literal["drop", "worst"] = "drop"
    lower_is_better: tuple[str, ...] = DEFAULT_LOWER_IS_BETTER
    volume_bands_ml: Annotated[tuple[Annotated[Number, Field(gt=0.0)], ...], AfterValidator(_increasing)] = (20.0, 40.0)
    subgroups: tuple[str, ...] = ("irregular", "near_skull")
    classification_threshold: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.5

    def larger_is_better(self, metric: str) -> bool:
        """Whether a larger value of ``metric`` is better (not in ``lower_is_better``)."""
        return metric not in self.lower_is_better

    def label(self, experiment: str) -> str:
        """Display name of an experiment."""
        return str(self.labels.get(experiment, experiment))

    def metric_label(self, metric: str) -> str:
        """Display name of a metric column."""
        return str(self.metric_labels.get(metric, DEFAULT_METRIC_LABELS.get(metric, metric)))
