"""The evaluate stage: per-case metrics of one experiment, one TSV row per case.

Metrics are computed on the predictions written by predict on the original image grid,
against the original reference mask, never on resized slices (docs/architecture.md, "Data flow").

Where predict also saved the foreground probability maps (``predict.save_probabilities``:
``fold-{k}/probabilities/{case}.nii.gz`` beside each label map), the threshold-free metrics
(:data:`lesionbench.metrics.registry.PROBABILITY_METRICS`) become columns of the table: they
are found in the prediction folders themselves, so the table gains them exactly when the
experiment's predictions carry the maps, with no option to keep in step with predict.

Likewise, where predict wrote the VOI crops of ``3d_voi`` models (``fold-{k}/voi/{case}.npz``:
prediction and reference inside the VOI around the reference lesion, on the preprocessed grid;
:mod:`lesionbench.metrics.voi`), the overlap metrics inside the VOI
(:data:`lesionbench.metrics.registry.VOI_METRICS`: ``dice_voi``, ``sensitivity_voi``,
``specificity_voi``, ``ppv_voi``; paper 001, sections 3.4-3.5) become columns. Specificity inside
the VOI depends on the VOI size (more background voxels -> higher specificity), so it is only
comparable across models evaluated on the same VOIs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import SimpleITK as sitk

from lesionbench.io import ImageFileError, atomic_path, read_image, read_mask, same_grid
from lesionbench.metrics.conventions import EmptyConventions, EmptyPolicy
from lesionbench.metrics.lesionwise import DEFAULT_NSD_TOLERANCE_MM
from lesionbench.metrics.registry import METRICS, PROBABILITY_METRICS, VOI_METRICS, as_conventions, compute_metrics
from lesionbench.metrics.voi import VOI_DIR, voi_metrics, voi_path
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: Columns every row starts with, then metrics, flags and counts, then the meta labels.
ID_COLUMNS: tuple[str, ...] = ("case_id", "fold", "experiment")
FLAG_COLUMNS: tuple[str, ...] = ("ref_empty", "pred_empty")
COUNT_COLUMNS: tuple[str, ...] = ("tp", "fp", "fn", "tn")
#: Columns added when brain masks are given (``lesionbench.volumes.geometry.GEOMETRY_COLUMNS``):
#: geometry of the reference lesion, after the counts and before the labels.
GEOMETRY_COLUMNS: tuple[str, ...] = ("distance_to_inner_skull_mm", "solidity", "near_skull_geom", "irregular_geom")
NIFTI_SUFFIX = ".nii.gz"
#: Subfolder of a ``fold-{k}`` prediction folder holding the probability maps (the name
#: ``lesionbench.inference.predict.PROBABILITIES_DIR`` writes; not imported: it needs torch).
PROBABILITIES_DIR = "probabilities"
_FOLD_NAME = re.compile(r"^fold-(\d+)$")


def evaluate_case(
    pred_path: PathLike, ref_path: PathLike, conventions: EmptyConventions | EmptyPolicy | str = EmptyConventions(),
    prob_path: PathLike | None = None, voi_npz: PathLike | None = None,
    nsd_tolerance_mm: float = DEFAULT_NSD_TOLERANCE_MM,
) -> dict[str, float | bool | int]:
    """Metrics of one predicted mask (and, if given, its probability map and VOI crop) against its reference.

    Args:
        pred_path: predicted mask (NIfTI or anything SimpleITK reads; non-zero is lesion).
        ref_path: reference mask on the same grid.
        conventions: the empty-mask conventions (:class:`lesionbench.metrics.EmptyConventions`),
            or a both-empty policy ``"one"`` / ``"nan"``.
        prob_path: foreground probability map (float, same grid), for the threshold-free
            metrics; None leaves them out.
        voi_npz: the case's ``voi/{case}.npz`` (:mod:`lesionbench.metrics.voi`), for the metrics
            inside the VOI; None leaves them out. Its specificity depends on the VOI size (more
            background voxels -> higher specificity): comparable only across models on the same VOIs.
        nsd_tolerance_mm: the tolerance of the normalised surface Dice ``nsd``, mm.

    Returns:
        ``{metric: value}`` for every metric of ``metrics.registry.METRICS`` (then of
        ``PROBABILITY_METRICS`` with ``prob_path``, then of ``VOI_METRICS`` with ``voi_npz``) plus
        ``ref_empty``, ``pred_empty``, ``tp``, ``fp``, ``fn``, ``tn`` (the flags and counts of the
        whole grid).

    Raises:
        FileNotFoundError: if a file does not exist.
        ImageFileError: if a file cannot be read, is not 3-D, holds a non-finite probability,
            or is not on the grid of the reference (the message names both files).
        lesionbench.metrics.voi.VoiFileError: an invalid VOI crop, naming the file.
    """
    conventions = as_conventions(conventions)
    for path in (pred_path, ref_path):
        if not Path(path).is_file():
            raise FileNotFoundError(f"{path}: mask file not found")
    pred_image = read_mask(pred_path)
    ref_image = read_mask(ref_path)
    _check_grid(pred_image, pred_path, ref_image, ref_path)
    pred = sitk.GetArrayViewFromImage(pred_image).astype(bool)  # (z, y, x)
    ref = sitk.GetArrayViewFromImage(ref_image).astype(bool)
    spacing_zyx = tuple(float(s) for s in reversed(ref_image.GetSpacing()))
    prob = None if prob_path is None else _read_probability(prob_path, ref_image, ref_path)
    row = compute_metrics(pred, ref, spacing_zyx, conventions, prob=prob, nsd_tolerance_mm=nsd_tolerance_mm)
    if voi_npz is not None:
        row.update(voi_metrics(voi_npz, conventions))
    return row


def _check_grid(image: sitk.Image, path: PathLike, ref_image: sitk.Image, ref_path: PathLike) -> None:
    """Raise an ``ImageFileError`` naming both files unless both are 3-D on the same grid."""
    if image.GetDimension() != 3 or ref_image.GetDimension() != 3:
        raise ImageFileError(
            f"{path} and {ref_path}: masks must be 3-D, got {image.GetDimension()}-D "
            f"and {ref_image.GetDimension()}-D"
        )
    if not same_grid(image, ref_image):
        raise ImageFileError(
            f"{path} is not on the grid of {ref_path}: size {image.GetSize()} vs "
            f"{ref_image.GetSize()}, spacing {_fmt(image.GetSpacing())} vs "
            f"{_fmt(ref_image.GetSpacing())}, origin {_fmt(image.GetOrigin())} vs "
            f"{_fmt(ref_image.GetOrigin())} (mm), direction {_fmt(image.GetDirection())} vs "
            f"{_fmt(ref_image.GetDirection())}"
        )


def _read_probability(prob_path: PathLike, ref_image: sitk.Image, ref_path: PathLike) -> np.ndarray:
    """The ``(Z, Y, X)`` float32 probability map of ``prob_path``, checked against the reference."""
    if not Path(prob_path).is_file():
        raise FileNotFoundError(f"{prob_path}: probability map not found")
    image = read_image(prob_path, sitk.sitkFloat32)
    _check_grid(image, prob_path, ref_image, ref_path)
    prob = sitk.GetArrayFromImage(image)
    if not np.isfinite(prob).all():
        raise ImageFileError(f"{prob_path}: {int(np.count_nonzero(~np.isfinite(prob)))} voxel(s) are NaN or infinite")
    return prob


def evaluate_experiment(
    experiment: str,
    prediction_dirs: Sequence[PathLike],
    masks_dir: PathLike,
    meta_dir: PathLike,
    out_tsv: PathLike,
    conventions: EmptyConventions | EmptyPolicy | str = EmptyConventions(),
    brain_dir: PathLike | None = None,
    near_skull_mm: float = 3.0,
    irregular_solidity: float = 0.8,
    class_target: Any = None,
    nsd_tolerance_mm: float = DEFAULT_NSD_TOLERANCE_MM,
) -> pd.DataFrame:
    """Evaluate every prediction of an experiment and write one TSV row per case.

    Args:
        experiment: experiment name, written in the ``experiment`` column.
        prediction_dirs: one ``.../predictions/{experiment}/fold-{k}`` folder per fold, each
            holding ``{case}.nii.gz`` masks; ``k`` becomes the ``fold`` column. If any of them
            has a ``probabilities`` subfolder (:data:`PROBABILITIES_DIR`), every case must have
            its map ``probabilities/{case}.nii.gz`` there, and the threshold-free metrics
            (``auc``, ``ap``, ``dice_mean256``, ``dice_max256``) are added after the other
            metrics; without such a folder the table has no such column. Likewise, if any of
            them has a ``voi`` subfolder (:data:`lesionbench.metrics.voi.VOI_DIR`, ``3d_voi``
            models), every case must have its ``voi/{case}.npz`` there, and ``dice_voi``,
            ``sensitivity_voi``, ``specificity_voi``, ``ppv_voi`` (inside the VOI around the
            reference lesion, paper 001) follow, before the flags. Specificity inside the VOI
            depends on the VOI size (more background voxels -> higher specificity): it is only
            comparable across models evaluated on the same VOIs.
        masks_dir: folder of reference masks ``{case}.nii.gz``.
        meta_dir: folder of ``{case}.json`` whose ``"labels"`` dict becomes label columns.
        out_tsv: the TSV to write atomically (columns of docs/file-formats.md, "Evaluate",
            then ``tp, fp, fn, tn``, then the labels), rows sorted by ``case_id``.
        conventions: the empty-mask conventions (``datasets.<d>.evaluate.empty``), or a
            both-empty policy ``"one"`` / ``"nan"``.
        brain_dir: folder of brain masks ``{case}.nii.gz``; when given, the reference lesion's
            geometry is added (:func:`lesionbench.volumes.geometry.lesion_geometry`):
            ``distance_to_inner_skull_mm``, ``solidity``, ``near_skull_geom`` (distance <=
            ``near_skull_mm``), ``irregular_geom`` (solidity < ``irregular_solidity``), the
            subgroup flags the compare stage prefers (paper 002 section 2.2.3).
        near_skull_mm: distance threshold in mm.
        irregular_solidity: solidity threshold.
        class_target: the dataset's :class:`~lesionbench.classification.target.ClassTarget`;
            where prediction folders hold ``classes.tsv`` (multi-task models), its ``cls_prob``
            and the reference class ``cls_label`` (1 / 0 from the case's label; empty when the
            label is missing) are added, the columns paper 001's classification tables read.
            A classifier's folders hold ``classes.tsv`` alone: its table has these columns and
            the labels only (no segmentation metric).
        nsd_tolerance_mm: the tolerance of the normalised surface Dice ``nsd``
            (``datasets.<d>.evaluate.nsd_tolerance_mm``), mm.

    Returns:
        The table written.

    Raises:
        FileNotFoundError: a prediction folder, reference mask or meta file is missing, or a
            probability map (a VOI crop) is missing while the experiment has probability maps
            (VOI crops).
        ValueError: a folder is not named ``fold-{k}`` or holds no prediction, a case is
            predicted in two folds, a meta file is unreadable or lacks ``labels``, or a
            mask pair is unusable (``ImageFileError``).
    """
    conventions = as_conventions(conventions)
    geometry = None
    if brain_dir is not None:
        from lesionbench.volumes.geometry import lesion_geometry as geometry  # scipy/statsmodels: only when asked
    if not prediction_dirs:
        raise ValueError(f"experiment {experiment!r}: no prediction folders given")
    rows: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    folders = [Path(folder) for folder in prediction_dirs]
    probability_dirs, voi_dirs = _companion_dirs(folders, _PROBABILITIES), _companion_dirs(folders, _VOIS)
    class_probs = _class_probabilities(folders)
    if class_probs is not None and not any(_has_label_maps(folder) for folder in folders):
        return _write_table(_classifier_rows(experiment, folders, meta_dir, class_target), out_tsv, experiment)
    for folder in folders:
        fold = _fold_of(folder)
        for pred_path in _predictions_in(folder):
            case_id = pred_path.name[: -len(NIFTI_SUFFIX)]
            if case_id in seen:
                raise ValueError(f"{pred_path}: case {case_id} is also predicted in {seen[case_id]}")
            seen[case_id] = folder
            log.debug("evaluating %s (fold %s)", case_id, fold)
            ref_path = Path(masks_dir) / f"{case_id}{NIFTI_SUFFIX}"
            prob_path = _companion_of(pred_path, probability_dirs, _PROBABILITIES)
            metrics = evaluate_case(pred_path, ref_path, conventions, prob_path,
                                    _companion_of(pred_path, voi_dirs, _VOIS), nsd_tolerance_mm)
            if geometry is not None:
                shape = geometry(ref_path, Path(brain_dir) / f"{case_id}{NIFTI_SUFFIX}", near_skull_mm,
                                 irregular_solidity)
                metrics.update(distance_to_inner_skull_mm=shape["distance_to_inner_skull_mm"],
                               solidity=shape["solidity"], near_skull_geom=shape["near_skull"],
                               irregular_geom=shape["irregular"])
            labels = _labels(Path(meta_dir) / f"{case_id}.json", case_id)
            if class_probs is not None:
                metrics.update(_class_columns(case_id, class_probs, labels, class_target, folder))
            rows.append({"case_id": case_id, "fold": fold, "experiment": experiment, **metrics, **labels})
    return _write_table(_table(rows), out_tsv, experiment)


def _write_table(table: pd.DataFrame, out_tsv: PathLike, experiment: str) -> pd.DataFrame:
    with atomic_path(out_tsv) as tmp:
        table.to_csv(tmp, sep="\t", index=False, na_rep="NaN")
    log.info("wrote %d cases of %s to %s", len(table), experiment, out_tsv)
    return table


def _has_label_maps(folder: Path) -> bool:
    return folder.is_dir() and any(p.name.endswith(NIFTI_SUFFIX) and not p.name.startswith(".")
                                   for p in folder.iterdir())


def _classifier_rows(experiment: str, folders: Sequence[Path], meta_dir: PathLike, class_target: Any) -> pd.DataFrame:
    """The table of a classifier (no label maps; paper 001's CNN): ``case_id, fold, experiment,
    cls_prob, cls_label`` and the labels, one row per case of the folders' ``classes.tsv``."""
    from lesionbench.inference.predict import CLASSES_TSV

    rows, seen = [], {}
    for folder in folders:
        fold = _fold_of(folder)
        if not (folder / CLASSES_TSV).is_file():
            raise ValueError(f"{folder}: neither label maps nor {CLASSES_TSV} in this folder")
        frame = pd.read_csv(folder / CLASSES_TSV, sep="\t", dtype={"case_id": str})
        probs = dict(zip(frame["case_id"], frame["cls_prob"].astype(float)))
        for case_id in frame["case_id"]:
            if case_id in seen:
                raise ValueError(f"{folder / CLASSES_TSV}: case {case_id} is also classified in {seen[case_id]}")
            seen[case_id] = folder
            labels = _labels(Path(meta_dir) / f"{case_id}.json", case_id)
            rows.append({"case_id": case_id, "fold": fold, "experiment": experiment,
                         **_class_columns(case_id, probs, labels, class_target, folder), **labels})
    table = pd.DataFrame(rows)
    return table.sort_values("case_id", kind="stable").reset_index(drop=True) if len(table) else table


def _class_probabilities(folders: Sequence[Path]) -> dict[str, float] | None:
    """case id -> ``cls_prob`` from the folders' ``classes.tsv`` (multi-task models), or ``None``."""
    from lesionbench.inference.predict import CLASSES_TSV

    tables = [folder / CLASSES_TSV for folder in folders if (folder / CLASSES_TSV).is_file()]
    if not tables:
        return None
    found: dict[str, float] = {}
    for table in tables:
        frame = pd.read_csv(table, sep="\t", dtype={"case_id": str})
        if list(frame.columns) != ["case_id", "cls_prob"]:
            raise ValueError(f"{table}: columns {list(frame.columns)}, expected ['case_id', 'cls_prob']")
        found.update(zip(frame["case_id"], frame["cls_prob"].astype(float)))
    log.info("class probabilities in %s: adding cls_prob, cls_label", ", ".join(map(str, tables)))
    return found


def _class_columns(case_id: str, class_probs: Mapping[str, float], labels: Mapping[str, Any], class_target: Any,
                   folder: Path) -> dict[str, Any]:
    """``cls_prob`` and ``cls_label`` of one case (``cls_label`` NaN when the class is unknown)."""
    from lesionbench.classification.target import UNKNOWN_CLASS

    if case_id not in class_probs:
        raise ValueError(f"{folder}: classes.tsv has no class probability for case {case_id}")
    if class_target is None:
        raise ValueError(f"{folder}: classes.tsv holds class probabilities, but the dataset names no "
                         "classification target (datasets.<d>.classification)")
    index = class_target.class_of(labels)
    return {"cls_prob": class_probs[case_id], "cls_label": float("nan") if index == UNKNOWN_CLASS else index}


class _Companion(NamedTuple):
    """Per-case files some prediction folders hold beside the label maps, in a subfolder."""

    subfolder: str  # e.g. ``probabilities``
    what: str  # what the files are, for messages
    adds: tuple[str, ...]  # the metric columns they add
    path_of: Callable[[Path], Path]  # label map -> the case's file
    remedy: str  # how to make the folders consistent


_PROBABILITIES = _Companion(PROBABILITIES_DIR, "probability map", tuple(PROBABILITY_METRICS),
                            lambda pred: pred.parent / PROBABILITIES_DIR / pred.name,
                            "predict with save_probabilities for every fold, or remove them all")
_VOIS = _Companion(VOI_DIR, "VOI crop", tuple(VOI_METRICS), voi_path,
                   f"predict every fold with the same 3d_voi model type, or remove the {VOI_DIR}/ folders")


def _companion_dirs(folders: Sequence[Path], companion: _Companion) -> list[Path]:
    """The ``companion.subfolder`` folders of the prediction folders (empty: none has them)."""
    found = [folder / companion.subfolder for folder in folders if (folder / companion.subfolder).is_dir()]
    if found:
        log.info("%ss in %s: adding %s", companion.what, ", ".join(map(str, found)), ", ".join(companion.adds))
    return found


def _companion_of(pred_path: Path, dirs: Sequence[Path], companion: _Companion) -> Path | None:
    """The case's companion file when the experiment has them (``dirs`` not empty), else None.

    Raises:
        FileNotFoundError: naming the missing file and a folder that has such files.
    """
    if not dirs:
        return None
    path = companion.path_of(pred_path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: {companion.what} not found; {dirs[0]} holds {companion.what}s, so every "
                                f"predicted case needs one ({companion.remedy})")
    return path


#: Name of the prediction folder of a held-out test set (every fold's model, averaged); its
#: rows get this ``fold`` value.
ENSEMBLE_FOLDER = "ensemble"


def _fold_of(folder: Path) -> int | str:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: prediction folder not found")
    if folder.name == ENSEMBLE_FOLDER:
        return ENSEMBLE_FOLDER
    match = _FOLD_NAME.match(folder.name)
    if match is None:
        raise ValueError(f"{folder}: prediction folder must be named fold-<k> (k an integer) or {ENSEMBLE_FOLDER}")
    return int(match.group(1))


def _predictions_in(folder: Path) -> list[Path]:
    paths = sorted(p for p in folder.iterdir() if p.name.endswith(NIFTI_SUFFIX) and not p.name.startswith("."))
    if not paths:
        raise ValueError(f"{folder}: no {NIFTI_SUFFIX} prediction in this folder")
    return paths


def _labels(meta_path: Path, case_id: str) -> dict[str, Any]:
    """The ``labels`` of a meta file, scalars kept, lists and dicts as JSON text."""
    if not meta_path.is_file():
        raise FileNotFoundError(f"{meta_path}: meta file of case {case_id} not found")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{meta_path}: not readable as JSON ({error})") from error
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict):
        raise ValueError(f"{meta_path}: has no 'labels' object")
    reserved = (set(ID_COLUMNS) | set(METRICS) | set(PROBABILITY_METRICS) | set(VOI_METRICS) | set(FLAG_COLUMNS)
                | set(COUNT_COLUMNS) | set(GEOMETRY_COLUMNS))
    out: dict[str, Any] = {}
    for key, value in labels.items():
        if key == "case_id":
            if value != case_id:
                raise ValueError(f"{meta_path}: labels.case_id {value!r} is not {case_id!r}")
            continue
        if key in reserved:
            raise ValueError(f"{meta_path}: label {key!r} clashes with a metrics column")
        out[key] = json.dumps(value) if isinstance(value, (list, dict)) else value
    return out


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    probability = list(PROBABILITY_METRICS) if rows and next(iter(PROBABILITY_METRICS)) in rows[0] else []
    voi = list(VOI_METRICS) if rows and next(iter(VOI_METRICS)) in rows[0] else []
    fixed = [*ID_COLUMNS, *METRICS, *probability, *voi, *FLAG_COLUMNS, *COUNT_COLUMNS]
    if rows and GEOMETRY_COLUMNS[0] in rows[0]:
        fixed += list(GEOMETRY_COLUMNS)
    label_columns: list[str] = []
    for row in rows:
        label_columns += [key for key in row if key not in fixed and key not in label_columns]
    table = pd.DataFrame(rows, columns=[*fixed, *label_columns])
    return table.sort_values("case_id", kind="stable").reset_index(drop=True)


def _fmt(values: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in np.asarray(values, dtype=float)) + ")"
