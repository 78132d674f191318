"""Choose an experiment's post-processing on its cross-validation predictions.

The rule follows nnU-Net (Isensee et al., "nnU-Net: a self-configuring method for deep
learning-based biomedical image segmentation", Nature Methods 18, 203-211, 2021): after
cross-validation, a post-processing step is kept only if it improves the mean Dice over the
fold predictions of all training cases. nnU-Net tries removing all but the largest connected
component; here the candidates are, in order of simplicity,

1. ``none``;
2. ``largest_component``;
3. ``min_volume`` for each threshold of ``candidates_ml`` (ascending; mL).

Each candidate is scored by the mean per-case Dice (:data:`lesionbench.metrics.METRICS`
``"dice"``, under the project's empty-mask convention that two empty masks score 1, so a step
that clears a false positive from a lesion-free scan earns that case's full point). The
candidate with the highest mean Dice is chosen, but ``none`` stays unless the winner beats it
by more than ``tolerance``; candidates within ``tolerance`` of the best count as tied and the
simplest of them wins.

The decision file (``postprocessing.json``, written by :func:`write_decision`)::

    {
      "chosen": {"name": "largest_component"},
      "candidates": [
        {"step": {"name": "none"}, "mean_dice": 0.71, "cases_changed": 0},
        {"step": {"name": "largest_component"}, "mean_dice": 0.74, "cases_changed": 5},
        {"step": {"name": "min_volume", "min_ml": 0.1}, "mean_dice": 0.72, "cases_changed": 3},
        ...
      ],
      "cases": 40,
      "criterion": "mean Dice over the cross-validation cases (nnU-Net)",
      "provenance": {"lesionbench_version": ..., "settings_hash": ..., "candidates_ml": [...],
                     "tolerance": 1e-06}
    }

``cases_changed`` counts the cases whose predicted mask the step alters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.io import provenance, read_mask, same_grid, write_json
from lesionbench.metrics.conventions import EmptyConventions, EmptyPolicy
from lesionbench.metrics.registry import CaseMasks, get_metric
from lesionbench.postprocess.components import (
    apply_to_components,
    label_components,
    parse_step,
    step_label,
)
from lesionbench.typing import PathLike

logger = logging.getLogger(__name__)

#: Default ``min_volume`` thresholds in mL.
DEFAULT_CANDIDATES_ML: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0, 5.0)
#: A candidate must beat ``none`` (and a simpler candidate) by more than this mean Dice.
TOLERANCE = 1e-6
CRITERION = "mean Dice over the cross-validation cases (nnU-Net)"
#: Suffix of a predicted or reference mask file; the case id is the name without it.
SUFFIX = ".nii.gz"

#: Both empty = 1 (lesionbench.metrics.conventions): every case counts in every mean, so
#: the means of all candidates are over the same cases.
_CONVENTIONS = EmptyConventions(both=EmptyPolicy.ONE)

Case = tuple[str, Path, Path]


def candidate_steps(candidates_ml: Iterable[float] = DEFAULT_CANDIDATES_ML) -> list[dict[str, Any]]:
    """The candidate steps in order of simplicity: none, largest_component, min_volume ascending.

    Args:
        candidates_ml: ``min_volume`` thresholds in mL (positive; duplicates are dropped).

    Raises:
        ValueError: for a threshold that is not a positive number.
    """
    thresholds = sorted({parse_step({"name": "min_volume", "min_ml": v}, "candidates_ml")["min_ml"]
                         for v in candidates_ml})
    return [{"name": "none"}, {"name": "largest_component"},
            *({"name": "min_volume", "min_ml": v} for v in thresholds)]


def prediction_files(folder: PathLike) -> list[Path]:
    """The ``{case}.nii.gz`` files directly in ``folder`` (no subfolders), sorted by name.

    Raises:
        FileNotFoundError: if ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such prediction folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(SUFFIX)
                  and not p.name.startswith("."))


def case_id(path: PathLike) -> str:
    """``ph001`` from ``.../ph001.nii.gz``."""
    return Path(path).name[: -len(SUFFIX)]


def collect_cases(prediction_dirs: Sequence[PathLike], masks_dir: PathLike) -> list[Case]:
    """Pair every fold prediction with its reference mask.

    Args:
        prediction_dirs: ``predictions/{experiment}/fold-{k}/`` folders of ``{case}.nii.gz``.
        masks_dir: the ``masks/`` folder of ``{case}.nii.gz`` references.

    Returns:
        ``(case_id, prediction, reference)`` tuples, in folder then name order.

    Raises:
        FileNotFoundError: for a missing folder, or a prediction without a reference mask.
        ValueError: if no folder holds a prediction, or a case is predicted twice.
    """
    masks_dir = Path(masks_dir)
    seen: dict[str, Path] = {}
    cases: list[Case] = []
    for folder in prediction_dirs:
        for prediction in prediction_files(folder):
            case = case_id(prediction)
            if case in seen:
                raise ValueError(f"case {case} is predicted twice: {seen[case]} and {prediction}")
            reference = masks_dir / f"{case}{SUFFIX}"
            if not reference.is_file():
                raise FileNotFoundError(f"{prediction}: no reference mask {reference}")
            seen[case] = prediction
            cases.append((case, prediction, reference))
    if not cases:
        raise ValueError(f"no {{case}}{SUFFIX} prediction in {', '.join(map(str, prediction_dirs))}")
    return cases


def _read_pair(prediction: PathLike, reference: PathLike) -> tuple[sitk.Image, sitk.Image]:
    """Read a prediction and its reference as uint8 0/1 masks on one grid.

    Raises:
        ValueError: naming both files, if their grids differ.
    """
    pred = read_mask(prediction)
    ref = read_mask(reference)
    if not same_grid(pred, ref):
        raise ValueError(
            f"prediction {prediction} (size {pred.GetSize()}, spacing {pred.GetSpacing()}) and reference "
            f"{reference} (size {ref.GetSize()}, spacing {ref.GetSpacing()}) are not on the same grid")
    return pred, ref


def score_case(pred: sitk.Image, ref: sitk.Image, steps: Sequence[Mapping[str, Any]]) -> list[tuple[float, bool]]:
    """Dice of each step applied to one prediction.

    Args:
        pred: uint8 0/1 predicted mask.
        ref: uint8 0/1 reference mask on the same grid.
        steps: canonical step dicts.

    Returns:
        ``(dice, changed)`` per step: the Dice of the post-processed prediction and whether
        the step altered it.
    """
    dice = get_metric("dice")
    pred_zyx = sitk.GetArrayViewFromImage(pred) != 0
    ref_zyx = sitk.GetArrayViewFromImage(ref) != 0
    spacing_zyx = tuple(float(s) for s in reversed(pred.GetSpacing()))
    components = label_components(pred_zyx, pred.GetSpacing())
    scores = []
    for step in steps:
        processed = apply_to_components(components, step).astype(bool)
        value = dice(CaseMasks(processed, ref_zyx, spacing_zyx), _CONVENTIONS)
        scores.append((float(value), bool(np.any(processed != pred_zyx))))
    return scores


def pick(means: Sequence[float], tolerance: float = TOLERANCE) -> int:
    """Index of the chosen step, given the mean Dice of each in order of simplicity.

    Args:
        means: mean Dice per candidate; ``means[0]`` is that of ``none``.
        tolerance: differences up to this count as ties.

    Returns:
        The simplest step within ``tolerance`` of the best mean, or 0 (``none``) unless that
        step beats ``none`` by more than ``tolerance``.
    """
    best = max(means)
    index = next(i for i, mean in enumerate(means) if mean >= best - tolerance)
    return index if means[index] > means[0] + tolerance else 0


def choose_postprocessing(
    cases: Sequence[tuple[str, PathLike, PathLike]],
    candidates_ml: Iterable[float] = DEFAULT_CANDIDATES_ML,
    tolerance: float = TOLERANCE,
) -> dict[str, Any]:
    """Choose the post-processing of one experiment from its cross-validation predictions.

    Args:
        cases: ``(case_id, predicted mask, reference mask)`` NIfTI paths on the same grid: the
            held-out predictions of all folds.
        candidates_ml: ``min_volume`` thresholds to try, in mL.
        tolerance: improvement of the mean Dice a step needs over a simpler one.

    Returns:
        The decision dict (module docstring): ``chosen``, ``candidates``, ``cases``,
        ``criterion``, ``provenance``.

    Raises:
        ValueError: for no cases, a case listed twice, grids that differ (naming both files)
            or an invalid threshold.
    """
    if not cases:
        raise ValueError("choose_postprocessing needs at least one case")
    ids = [case for case, _, _ in cases]
    duplicates = sorted({case for case in ids if ids.count(case) > 1})
    if duplicates:
        raise ValueError(f"case(s) listed more than once: {duplicates}")
    steps = candidate_steps(candidates_ml)
    dice = np.empty((len(cases), len(steps)))
    changed = np.zeros((len(cases), len(steps)), dtype=int)
    for row, (case, prediction, reference) in enumerate(cases):
        scores = score_case(*_read_pair(prediction, reference), steps)
        dice[row] = [value for value, _ in scores]
        changed[row] = [flag for _, flag in scores]
        logger.debug("%s: %s", case, ", ".join(f"{step_label(s)} {v:.4f}" for s, (v, _) in zip(steps, scores)))
    means = [float(m) for m in dice.mean(axis=0)]
    chosen = steps[pick(means, tolerance)]
    settings = {"candidates_ml": [s["min_ml"] for s in steps if s["name"] == "min_volume"],
                "tolerance": float(tolerance)}
    return {
        "chosen": dict(chosen),
        "candidates": [{"step": dict(step), "mean_dice": mean, "cases_changed": int(n)}
                       for step, mean, n in zip(steps, means, changed.sum(axis=0))],
        "cases": len(cases),
        "criterion": CRITERION,
        "provenance": provenance(settings, **settings),
    }


def validate_decision(decision: Any, where: str = "decision") -> dict[str, Any]:
    """Check a decision dict and return it with canonical steps.

    Raises:
        ValueError: naming ``where`` and the first problem.
    """
    if not isinstance(decision, Mapping):
        raise ValueError(f"{where}: expected a JSON object, got {type(decision).__name__}")  # noqa: TRY004
    missing = [key for key in ("chosen", "candidates", "cases", "criterion") if key not in decision]
    if missing:
        raise ValueError(f"{where}: missing key(s) {missing}")
    chosen = parse_step(decision["chosen"], f"{where}: chosen")
    candidates = decision["candidates"]
    if not isinstance(candidates, list) or not candidates:
        raise ValueError(f"{where}: candidates must be a non-empty list")
    checked = [_candidate(entry, f"{where}: candidates[{i}]") for i, entry in enumerate(candidates)]
    if chosen not in [entry["step"] for entry in checked]:
        raise ValueError(f"{where}: chosen step {chosen} is not among the candidates")
    cases = decision["cases"]
    if isinstance(cases, bool) or not isinstance(cases, int) or cases < 1:
        raise ValueError(f"{where}: cases must be a positive integer, got {cases!r}")
    return {**decision, "chosen": chosen, "candidates": checked}


def _candidate(entry: Any, where: str) -> dict[str, Any]:
    """One checked ``{"step", "mean_dice", "cases_changed"}`` entry."""
    if not isinstance(entry, Mapping) or not {"step", "mean_dice", "cases_changed"} <= set(entry):
        raise ValueError(f"{where}: expected {{'step', 'mean_dice', 'cases_changed'}}, got {entry!r}")
    mean = entry["mean_dice"]
    if isinstance(mean, bool) or not isinstance(mean, (int, float)) or not (0.0 <= mean <= 1.0):
        raise ValueError(f"{where}.mean_dice: expected a number in [0, 1], got {mean!r}")
    changed = entry["cases_changed"]
    if isinstance(changed, bool) or not isinstance(changed, int) or changed < 0:
        raise ValueError(f"{where}.cases_changed: expected a non-negative integer, got {changed!r}")
    return {**entry, "step": parse_step(entry["step"], f"{where}.step"), "mean_dice": float(mean)}


def write_decision(decision: Mapping[str, Any], path: PathLike) -> Path:
    """Check and write a decision as JSON, atomically.

    Raises:
        ValueError: if the decision is invalid (nothing is written).
    """
    path = Path(path)
    write_json(path, validate_decision(decision, str(path)))
    return path


def read_decision(path: PathLike) -> dict[str, Any]:
    """Read and check a decision file written by :func:`write_decision`.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: naming the file, if it is not JSON or not a valid decision.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such post-processing decision file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: not a JSON post-processing decision ({error})") from None
    return validate_decision(data, str(path))
