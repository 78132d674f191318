"""The registry of per-case metrics: name -> function of one case.

Every metric takes a :class:`CaseMasks` (prediction, reference, spacing, with the voxel counts
and surface distances computed once and cached) and the dataset's :class:`EmptyConventions`,
and returns a float. The registry's order is the column order of the evaluate TSV (docs/file-formats.md,
"Evaluate").

The threshold-free metrics of a probability map (:data:`PROBABILITY_METRICS`: auc, ap,
dice_mean256, dice_max256) take the case's :class:`~lesionbench.metrics.probabilistic.DistinctScores`
(the voxel scores sorted once) instead, and are columns only where predict saved probability
maps. The overlap metrics inside the VOI around the reference lesion (:data:`VOI_METRICS`:
dice_voi, sensitivity_voi, specificity_voi, ppv_voi; paper 001, sections 3.4-3.5) are the same
metrics scored on the VOI crops predict writes for ``3d_voi`` models (``voi/{case}.npz``,
:mod:`lesionbench.metrics.voi`), and are columns only where those files exist.
:data:`METRIC_NAMES` lists the three registries, the names a configuration may use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lesionbench.metrics import abc2, distance, lesionwise, overlap, probabilistic, volume
from lesionbench.metrics.conventions import (
    DistancePolicy,
    EmptyConventions,
    EmptyPolicy,
    apply_distance_convention,
    apply_overlap_convention,
    as_policy,
    worst_distance_mm,
)
from lesionbench.typing import FloatArray, Mask, SpacingZYX


@dataclass(frozen=True)
class CaseMasks:
    """One case: a prediction and its reference on the same grid.

    Attributes:
        pred: bool ``(Z, Y, X)`` prediction.
        ref: bool ``(Z, Y, X)`` reference.
        spacing: voxel spacing ``(z, y, x)`` in mm.
        nsd_tolerance_mm: the tolerance of the normalised surface Dice ``nsd``, mm.
    """

    pred: Mask
    ref: Mask
    spacing: SpacingZYX
    nsd_tolerance_mm: float = lesionwise.DEFAULT_NSD_TOLERANCE_MM

    def __post_init__(self) -> None:
        pred = np.asarray(self.pred, dtype=bool)
        ref = np.asarray(self.ref, dtype=bool)
        if pred.shape != ref.shape:
            raise ValueError(f"prediction shape {pred.shape} differs from reference shape {ref.shape}")
        if len(self.spacing) != pred.ndim or any(float(s) <= 0 for s in self.spacing):
            raise ValueError(f"spacing {tuple(self.spacing)} is not {pred.ndim} positive values (mm)")
        object.__setattr__(self, "pred", pred)
        object.__setattr__(self, "ref", ref)
        object.__setattr__(self, "spacing", tuple(float(s) for s in self.spacing))
        if not float(self.nsd_tolerance_mm) >= 0:
            raise ValueError(f"nsd tolerance must be >= 0 mm, got {self.nsd_tolerance_mm}")

    @functools.cached_property
    def counts(self) -> overlap.Counts:
        """Voxel counts, computed once."""
        return overlap.confusion_counts(self.pred, self.ref)

    @functools.cached_property
    def distances(self) -> distance.SurfaceDistances | None:
        """Directed surface distances in mm (None if a mask is empty), computed once."""
        return distance.surface_distances(self.pred, self.ref, self.spacing)

    @functools.cached_property
    def lesions(self) -> lesionwise.LesionCounts:
        """Lesion-wise detection counts (connected components), computed once."""
        return lesionwise.lesion_counts(self.pred, self.ref)

    @property
    def worst_mm(self) -> float:
        """Worst surface distance: the field-of-view diagonal in mm."""
        return worst_distance_mm(self.ref.shape, self.spacing)


Metric = Callable[[CaseMasks, EmptyConventions], float]


def _overlap(name: str, score: Callable[[overlap.Counts], float]) -> Metric:
    def metric(case: CaseMasks, conventions: EmptyConventions) -> float:
        c = case.counts
        return apply_overlap_convention(name, score(c), c.ref_empty, c.pred_empty, conventions.both)

    metric.__doc__ = f"{name} from voxel counts, with the empty-mask conventions."
    return metric


def _distance(score: Callable[[distance.SurfaceDistances | None], float], raw: bool) -> Metric:
    """A surface distance: the worst value or NaN where one mask is empty (``raw``: always NaN)."""
    def metric(case: CaseMasks, conventions: EmptyConventions) -> float:
        c = case.counts
        value = score(case.distances) if not (c.ref_empty or c.pred_empty) else float("nan")
        nan_value, worst_value = apply_distance_convention(value, c.ref_empty, c.pred_empty, case.worst_mm)
        return nan_value if raw or conventions.distance is DistancePolicy.NAN else worst_value

    return metric


def _both_empty_or(value: float, case: CaseMasks, conventions: EmptyConventions) -> float:
    """``value``, or the both-empty convention's value where prediction and reference are empty."""
    c = case.counts
    return conventions.both.both_empty_value if (c.ref_empty and c.pred_empty) else value


def _lesion_f1(case: CaseMasks, conventions: EmptyConventions) -> float:
    return _both_empty_or(lesionwise.lesion_f1(case.lesions), case, conventions)


def _nsd(case: CaseMasks, conventions: EmptyConventions) -> float:
    c = case.counts
    if c.ref_empty != c.pred_empty:
        return 0.0
    return _both_empty_or(lesionwise.normalized_surface_dice(case.distances, case.nsd_tolerance_mm), case, conventions)


def _rvd(case: CaseMasks, conventions: EmptyConventions) -> float:
    c = case.counts
    return volume.rvd(c.tp + c.fp, c.tp + c.fn)  # voxel counts: the voxel volume cancels


#: name -> metric, in the column order of the evaluate TSV.
METRICS: dict[str, Metric] = {
    "dice": _overlap("dice", overlap.dice),
    "iou": _overlap("iou", overlap.iou),
    "ppv": _overlap("ppv", overlap.ppv),
    "sensitivity": _overlap("sensitivity", overlap.sensitivity),
    "specificity": _overlap("specificity", overlap.specificity),
    "accuracy": _overlap("accuracy", overlap.accuracy),
    "f1": _overlap("f1", overlap.f1),
    "rvd": _rvd,
    "hd95": _distance(distance.hd95, raw=False),
    "asd": _distance(distance.asd, raw=False),
    "hd95_nan": _distance(distance.hd95, raw=True),
    "asd_nan": _distance(distance.asd, raw=True),
    "ref_volume_ml": lambda case, conventions: volume.volume_ml(case.ref, case.spacing),
    "pred_volume_ml": lambda case, conventions: volume.volume_ml(case.pred, case.spacing),
    "ref_abc2_ml": lambda case, conventions: abc2.abc2_ml(case.ref, case.spacing),
    "pred_abc2_ml": lambda case, conventions: abc2.abc2_ml(case.pred, case.spacing),
    "nsd": _nsd,
    "lesion_f1": _lesion_f1,
    "lesion_count_diff": lambda case, conventions: lesionwise.lesion_count_difference(case.lesions),
}


ProbabilityMetric = Callable[[probabilistic.DistinctScores], float]

#: name -> threshold-free metric of a probability map, in column order (after :data:`METRICS`).
PROBABILITY_METRICS: dict[str, ProbabilityMetric] = {
    "auc": probabilistic.auc_from_scores,
    "ap": probabilistic.ap_from_scores,
    "dice_mean256": probabilistic.dice_mean256_from_scores,
    "dice_max256": probabilistic.dice_max256_from_scores,
}

#: name -> metric inside the VOI (``voi/{case}.npz``), in column order (after :data:`PROBABILITY_METRICS`): the
#: very functions of :data:`METRICS`, so the formulas and the empty-mask conventions are those of the whole grid.
#: Specificity inside the VOI depends on the VOI size (more background voxels -> higher specificity): it is only
#: comparable across models evaluated on the same VOIs.
VOI_METRICS: dict[str, Metric] = {
    "dice_voi": METRICS["dice"],
    "sensitivity_voi": METRICS["sensitivity"],
    "specificity_voi": METRICS["specificity"],
    "ppv_voi": METRICS["ppv"],
}

#: Every metric column name: :data:`METRICS`, then :data:`PROBABILITY_METRICS`, then :data:`VOI_METRICS`.
METRIC_NAMES: tuple[str, ...] = (*METRICS, *PROBABILITY_METRICS, *VOI_METRICS)


def as_conventions(value: EmptyConventions | EmptyPolicy | str) -> EmptyConventions:
    """An :class:`EmptyConventions`; a both-empty policy (``"one"``, ``"nan"``) keeps the default distance rule."""
    return value if isinstance(value, EmptyConventions) else EmptyConventions(both=as_policy(value))


def get_metric(name: str) -> Metric:
    """The metric registered as ``name``.

    Raises:
        KeyError: listing the valid names.
    """
    try:
        return METRICS[name]
    except KeyError:
        if name in PROBABILITY_METRICS:
            raise KeyError(f"metric {name!r} needs a probability map: see PROBABILITY_METRICS") from None
        if name in VOI_METRICS:
            raise KeyError(f"metric {name!r} is scored on the VOI crop: see compute_voi_metrics") from None
        raise KeyError(f"unknown metric {name!r}; valid: {', '.join(METRIC_NAMES)}") from None


def compute_metrics(
    pred: Mask,
    ref: Mask,
    spacing: SpacingZYX,
    conventions: EmptyConventions | EmptyPolicy | str = EmptyConventions(),
    names: Sequence[str] | None = None,
    prob: FloatArray | None = None,
    nsd_tolerance_mm: float = lesionwise.DEFAULT_NSD_TOLERANCE_MM,
) -> dict[str, float | bool | int]:
    """All (or the named) metrics of one case, plus the empty flags and the voxel counts.

    Args:
        pred: bool ``(Z, Y, X)`` prediction.
        ref: bool ``(Z, Y, X)`` reference on the same grid.
        spacing: voxel spacing ``(z, y, x)`` in mm.
        conventions: the empty-mask conventions (a bare both-empty policy keeps the default
            distance policy).
        names: metric names (of :data:`METRIC_NAMES`); by default all of :data:`METRICS`, and
            all of :data:`PROBABILITY_METRICS` when ``prob`` is given.
        prob: float ``(Z, Y, X)`` foreground probability map on the same grid, for the
            threshold-free metrics (whole image).
        nsd_tolerance_mm: the tolerance of ``nsd`` (normalised surface Dice), mm.

    Returns:
        ``{metric: value, ..., "ref_empty", "pred_empty", "tp", "fp", "fn", "tn"}``, the
        label-map metrics first, then the threshold-free ones; the counts let the compare
        stage compute the global Dice DSC(G).

    Raises:
        KeyError: for an unknown metric name.
        ValueError: if a threshold-free metric is named without ``prob``, or ``prob`` does not
            match ``ref`` (shape, non-finite values).
    """
    conventions = as_conventions(conventions)
    case = CaseMasks(pred, ref, spacing, nsd_tolerance_mm)
    if names is None:
        names = [*METRICS, *(PROBABILITY_METRICS if prob is not None else ())]
    scored = [name for name in names if name in PROBABILITY_METRICS]
    if scored and prob is None:
        raise ValueError(f"metric(s) {scored} need a probability map (prob)")
    metrics = [(name, get_metric(name)) for name in names if name not in PROBABILITY_METRICS]
    row: dict[str, float | bool | int] = {name: float(fn(case, conventions)) for name, fn in metrics}
    if scored:
        scores = probabilistic.distinct_scores(prob, case.ref)
        row.update({name: float(PROBABILITY_METRICS[name](scores)) for name in scored})
    c = case.counts
    row.update(ref_empty=c.ref_empty, pred_empty=c.pred_empty, **c._asdict())
    return row


def compute_voi_metrics(
    pred: Mask,
    ref: Mask,
    spacing: SpacingZYX,
    conventions: EmptyConventions | EmptyPolicy | str = EmptyConventions(),
) -> dict[str, float]:
    """The :data:`VOI_METRICS` of one case's VOI crop (paper 001, sections 3.4-3.5).

    The same count-based scores and empty-mask conventions as the whole-grid ``dice``,
    ``sensitivity``, ``specificity`` and ``ppv`` (:mod:`lesionbench.metrics.conventions`), on the VOI's
    voxels only. Specificity ``TN / (TN + FP)`` inside the VOI depends on the VOI size: a larger VOI
    adds background voxels, hence true negatives, and raises it (on the whole grid it is ~1). It is
    therefore only comparable across models evaluated on the same VOIs (same size, same placement).

    Args:
        pred: bool or 0/1 ``(D, H, W)`` prediction inside the VOI.
        ref: bool or 0/1 ``(D, H, W)`` reference inside the same VOI.
        spacing: voxel spacing ``(z, y, x)`` in mm (checked; the overlap scores do not use it).
        conventions: the empty-mask conventions (a bare both-empty policy keeps the default distance policy).

    Returns:
        ``{"dice_voi": ..., "sensitivity_voi": ..., "specificity_voi": ..., "ppv_voi": ...}``.

    Raises:
        ValueError: if the shapes differ or the spacing is not 3 positive values.
    """
    conventions = as_conventions(conventions)
    case = CaseMasks(pred, ref, spacing)
    return {name: float(metric(case, conventions)) for name, metric in VOI_METRICS.items()}
