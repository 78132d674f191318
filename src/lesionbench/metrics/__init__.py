"""Per-case segmentation metrics and the evaluate stage (docs/architecture.md, "Metrics").

Counts first (:func:`confusion_counts`), scores from counts, surface distances in mm, volumes
in mL, ABC/2; the empty-mask conventions live in :mod:`lesionbench.metrics.conventions` and
the registry of metric names in :mod:`lesionbench.metrics.registry`.
"""

from lesionbench.metrics.abc2 import SLICE_RULES, abc2_ml, longest_diameters
from lesionbench.metrics.conventions import (
    DistancePolicy, EmptyConventions, EmptyPolicy, as_policy, exclusion_reason, worst_distance_mm,
)
from lesionbench.metrics.distance import SurfaceDistances, asd, hd95, surface, surface_distances
from lesionbench.metrics.evaluate import evaluate_case, evaluate_experiment
from lesionbench.metrics.overlap import (
    Counts,
    accuracy,
    confusion_counts,
    dice,
    f1,
    global_dice,
    iou,
    ppv,
    sensitivity,
    specificity,
)
from lesionbench.metrics.registry import METRICS, CaseMasks, compute_metrics, get_metric
from lesionbench.metrics.volume import rvd, volume_ml, voxel_volume_mm3

__all__ = [
    "METRICS", "SLICE_RULES", "CaseMasks", "Counts", "EmptyPolicy", "SurfaceDistances",
    "DistancePolicy", "EmptyConventions", "abc2_ml", "accuracy", "as_policy", "exclusion_reason", "asd", "compute_metrics", "confusion_counts", "dice",
    "evaluate_case", "evaluate_experiment", "f1", "get_metric", "global_dice", "hd95", "iou",
    "longest_diameters", "ppv", "rvd", "sensitivity", "specificity", "surface",
    "surface_distances", "volume_ml", "voxel_volume_mm3", "worst_distance_mm",
]
