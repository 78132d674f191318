"""Empty-mask conventions: the one place that decides what a metric is when a mask is empty.

Follows Metrics Reloaded (Maier-Hein et al., Nat Methods 2024, "pitfalls of empty reference
and prediction") and docs/architecture.md, "Metrics". Every scorer in :mod:`lesionbench.metrics` is a
plain ratio of voxel counts that is NaN where its denominator is 0; the rules below are then
applied in :func:`apply_overlap_convention` and :func:`apply_distance_convention`, and nowhere
else.

The conventions are set per dataset in one config key, ``datasets.<d>.evaluate.empty``
(:class:`EmptyConventions`): ``both`` (``one`` | ``nan``) and ``distance`` (``worst`` | ``nan``).
The defaults never hide a failure: a missed lesion gets the worst distance, not a NaN that
would drop the case from means and paired tests.

Both masks empty (a true negative case, e.g. a scan without haemorrhage correctly left empty):
    - overlap metrics (:data:`OVERLAP_METRICS`: dice, iou, f1, ppv, sensitivity) are 1.0 under
      ``both: one`` (the default: a perfect answer) or NaN under ``both: nan`` (the case then
      drops out of means and paired tests, which say so);
    - specificity and accuracy follow their counts (``TN / (TN + FP)`` = 1.0 for a non-empty image);
    - rvd is NaN (``V_ref`` = 0, paper 002's RVD is undefined);
    - hd95, asd (and their raw ``*_nan`` columns) are NaN: there is no surface to measure and
      nothing was wrong; the case is flagged by the ``ref_empty`` and ``pred_empty`` columns.

Exactly one mask empty:
    - dice, iou and f1 are 0.0 (their denominators ``2TP + FP + FN`` are positive);
    - ppv and sensitivity are defined by their counts: reference empty, prediction not ->
      ppv = ``0 / FP`` = 0.0 and sensitivity = ``0 / 0`` = NaN (there was nothing to find);
      prediction empty, reference not -> sensitivity = ``0 / FN`` = 0.0 and ppv = ``0 / 0`` =
      NaN (nothing was claimed). Metrics Reloaded calls these undefined, hence NaN;
    - rvd is 1.0 when the prediction is empty (``|0 - V_ref| / V_ref``) and NaN when the
      reference is empty;
    - hd95 and asd hold the worst value under ``distance: worst`` (the default; Metrics
      Reloaded's recommendation), :func:`worst_distance_mm`: the diagonal of the image's field
      of view in mm, ``sqrt(sum((n_i * s_i)^2))`` over the three axes, which exceeds any
      distance between two voxel centres of the image; NaN under ``distance: nan``. The raw
      columns ``hd95_nan`` / ``asd_nan`` are always NaN there, whatever the policy.

Threshold-free metrics of a probability map (:data:`THRESHOLD_FREE_METRICS`: auc, ap,
dice_mean256, dice_max256; :mod:`lesionbench.metrics.probabilistic`), decided by
:func:`threshold_free_defined`:
    - reference empty: all four are NaN, whatever ``both``. AUC and AP have no positive class
      (AUC's ``P * N`` and AP's recall denominator are 0). The 256-threshold Dice would be 0 for
      every map that is not constant: min-max normalisation stretches any map to [0, 1], so
      its maximum is predicted at every threshold and a confident empty answer cannot be told
      from a wrong one. A probability map is never "empty", so the both-empty policy does not
      apply;
    - reference filling the image (or the region scored): auc is NaN (no negative class);
      ap and the Dice are defined.
    The label map plays no part: ``pred_empty`` says nothing about these metrics.

Where a metric is NaN, :func:`exclusion_reason` names why (both masks empty, reference empty,
prediction empty), and the compare stage reports per metric how many cases each reason took out.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Metrics whose value for two empty masks is set by :class:`EmptyPolicy`.
OVERLAP_METRICS: frozenset[str] = frozenset({"dice", "iou", "f1", "ppv", "sensitivity"})
#: Metrics of a probability map (:data:`lesionbench.metrics.registry.PROBABILITY_METRICS`).
THRESHOLD_FREE_METRICS: frozenset[str] = frozenset({"auc", "ap", "dice_mean256", "dice_max256"})


class EmptyPolicy(str, enum.Enum):
    """Value of the overlap metrics when reference and prediction are both empty."""

    ONE = "one"
    NAN = "nan"

    @property
    def both_empty_value(self) -> float:
        """1.0 for ``ONE``, NaN for ``NAN``."""
        return 1.0 if self is EmptyPolicy.ONE else math.nan


class DistancePolicy(str, enum.Enum):
    """Value of the surface distances when exactly one mask is empty."""

    WORST = "worst"
    NAN = "nan"


@dataclass(frozen=True)
class EmptyConventions:
    """The empty-mask conventions of a dataset (``datasets.<d>.evaluate.empty``).

    Attributes:
        both: overlap metrics when both masks are empty (1 or NaN).
        distance: hd95 and asd when exactly one mask is empty (the worst value or NaN).
    """

    both: EmptyPolicy = EmptyPolicy.ONE
    distance: DistancePolicy = DistancePolicy.WORST

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "evaluate.empty") -> EmptyConventions:
        """Build from ``{"both": "one" | "nan", "distance": "worst" | "nan"}``.

        Raises:
            ValueError: naming the key and listing the valid values.
        """
        data = dict(data or {})
        unknown = sorted(set(data) - {"both", "distance"})
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; valid keys are ['both', 'distance']")
        try:
            both = as_policy(data.get("both", cls.both))
        except ValueError as error:
            raise ValueError(f"{where}.both: {error}") from None
        distance = data.get("distance", cls.distance)
        try:
            distance = DistancePolicy(str(getattr(distance, "value", distance)).lower())
        except ValueError:
            raise ValueError(f"{where}.distance: unknown policy {distance!r}; valid: worst, nan") from None
        return cls(both=both, distance=distance)

    def to_dict(self) -> dict[str, str]:
        return {"both": self.both.value, "distance": self.distance.value}


def exclusion_reason(ref_empty: bool, pred_empty: bool) -> str:
    """Why an empty-mask convention may leave a metric undefined for a case ("" if none applies).

    For the threshold-free metrics only the reference matters (:func:`threshold_free_defined`):
    their NaN cases are those with ``ref_empty`` (reported as "reference empty", or "both masks
    empty" where the label map is empty too); an auc left NaN by a reference that fills the
    image has no reason here (the compare stage reports "undefined").
    """
    if ref_empty and pred_empty:
        return "both masks empty"
    if ref_empty:
        return "reference empty"
    if pred_empty:
        return "prediction empty"
    return ""


def threshold_free_defined(name: str, n_positive: int, n_negative: int) -> bool:
    """Whether a threshold-free metric is defined for a case (the rules above); NaN where not.

    Args:
        name: one of :data:`THRESHOLD_FREE_METRICS`.
        n_positive: reference (lesion) voxels in the region scored.
        n_negative: background voxels in the region scored.

    Raises:
        KeyError: for a name that is not a threshold-free metric.
    """
    if name not in THRESHOLD_FREE_METRICS:
        raise KeyError(f"{name!r} is not a threshold-free metric; valid: {', '.join(sorted(THRESHOLD_FREE_METRICS))}")
    if n_positive == 0:
        return False
    return n_negative > 0 or name != "auc"


def as_policy(value: EmptyPolicy | str) -> EmptyPolicy:
    """Parse ``"one"`` / ``"nan"`` (or pass an :class:`EmptyPolicy` through).

    Raises:
        ValueError: listing the valid names, for anything else.
    """
    if isinstance(value, EmptyPolicy):
        return value
    try:
        return EmptyPolicy(str(value).lower())
    except ValueError:
        valid = ", ".join(policy.value for policy in EmptyPolicy)
        raise ValueError(f"unknown empty-mask policy {value!r}; valid: {valid}") from None


def safe_ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN where the denominator is 0 (never a ZeroDivisionError)."""
    return float(numerator) / float(denominator) if denominator else math.nan


def apply_overlap_convention(
    name: str, value: float, ref_empty: bool, pred_empty: bool, policy: EmptyPolicy
) -> float:
    """Replace a count-based score by the both-empty value where the rules above say so.

    Args:
        name: metric name (see :data:`OVERLAP_METRICS`).
        value: the score computed from counts (NaN for 0/0).
        ref_empty, pred_empty: whether each mask has no foreground voxel.
        policy: the both-empty policy.
    """
    if ref_empty and pred_empty and name in OVERLAP_METRICS:
        return policy.both_empty_value
    return value


def apply_distance_convention(
    value: float, ref_empty: bool, pred_empty: bool, worst_mm: float
) -> tuple[float, float]:
    """Return ``(metric, metric_worst)`` for a surface distance in mm.

    Args:
        value: the distance computed from both surfaces (ignored where a mask is empty).
        ref_empty, pred_empty: whether each mask has no foreground voxel.
        worst_mm: the worst possible value, :func:`worst_distance_mm`.
    """
    if ref_empty and pred_empty:
        return math.nan, math.nan
    if ref_empty or pred_empty:
        return math.nan, float(worst_mm)
    return float(value), float(value)


def worst_distance_mm(shape: Sequence[int], spacing: Sequence[float]) -> float:
    """Diagonal of the field of view, ``sqrt(sum((n_i * s_i)^2))`` in mm.

    Args:
        shape: array shape ``(Z, Y, X)``.
        spacing: voxel spacing ``(z, y, x)`` in mm, in the same order as ``shape``.
    """
    if len(shape) != len(spacing):
        raise ValueError(f"shape {tuple(shape)} and spacing {tuple(spacing)} differ in length")
    return float(math.sqrt(sum((n * s) ** 2 for n, s in zip(shape, spacing))))
