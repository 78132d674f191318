"""Predict the held-out (``test``) cases of one fold onto their original image grid.

Per case: preprocessed volume -> slices at the network size -> foreground probability ->
back to the cropped grid -> :func:`lesionbench.preprocess.uncrop_to_original` (pad, linear
resampling onto the original image) -> threshold -> ``uint8`` NIfTI with the original image's
origin, spacing and direction. Metrics are then computed on the original grid against the
original reference (docs/architecture.md, "Data flow"), never on resized slices.

For ``3d_voi`` models, fold and test-set predictions also write ``voi/{case}.npz``: prediction and
reference inside the reference-centred VOI on the preprocessed grid (:mod:`lesionbench.inference.voi`),
for paper 001's metrics inside the VOI; new scans (``lesionbench segment``) have no reference and get none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk
import torch

from lesionbench.folds import read_fold
from lesionbench.inference.runtime import model_to_device, resolve_device
from lesionbench.inference.settings import PredictSettings, SettingsError
from lesionbench.inference.voi import PreprocessedPrediction, voi_crop
from lesionbench.inference.volume import predict_volume_and_class
from lesionbench.io import atomic_path, write_image
from lesionbench.metrics.voi import voi_path, write_voi
from lesionbench.samples import SampleSettings, get_layout
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

NetworkFactory = Callable[..., torch.nn.Module]


#: Network options that only choose initial weights, ignored when rebuilding from a checkpoint.
INIT_ONLY_OPTIONS = frozenset({"pretrained_path"})


def load_model(checkpoint_path: PathLike, device: str | torch.device = "auto",
               network_factory: NetworkFactory | None = None) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuild the network of a checkpoint and load its weights (eval mode, on ``device``).

    Args:
        checkpoint_path: a ``best.pt`` written by :func:`lesionbench.training.train_fold`.
        device: ``"auto"`` (CUDA if available) or a torch device.
        network_factory: ``(name, **kwargs) -> nn.Module``; default
            :func:`lesionbench.networks.create_network`.

    Returns:
        ``(model, checkpoint)``.

    Raises:
        FileNotFoundError, CheckpointError: naming the file.
    """
    from lesionbench.training.checkpoint import CheckpointError, load_checkpoint

    checkpoint = load_checkpoint(checkpoint_path)
    if network_factory is None:
        from lesionbench.networks import create_network as network_factory
    network = checkpoint["network"]
    # The checkpoint's weights replace any initialisation: a pretrained encoder file named at
    # training time is not needed (and may have moved) when predicting.
    kwargs = {key: value for key, value in network["kwargs"].items() if key not in INIT_ONLY_OPTIONS}
    model = network_factory(network["name"], **kwargs)
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as error:
        raise CheckpointError(f"{checkpoint_path}: weights do not fit network {network['name']!r} ({error})") from error
    device = resolve_device(device)
    model = model_to_device(model, device).eval()
    # how its class logits become a probability: as the multitask loss scored them
    model.class_probability_mode = checkpoint.get("settings", {}).get("loss", {}).get("cls_mode", "sigmoid")
    return model, checkpoint


def fold_test_cases(folds_json: PathLike, fold: int) -> list[str]:
    """The ``test`` case ids of fold ``fold`` in ``folds.json`` (docs/file-formats.md, "Folds").

    Raises:
        FileNotFoundError: if missing. FoldsFileError: naming the file, if it is not valid
            JSON, has no fold ``fold`` or its ``test`` list is not a list of strings.
    """
    return read_fold(folds_json, fold, ("test",))["test"]


#: Subfolder of a prediction folder holding the probability maps (``predict.save_probabilities``).
PROBABILITIES_DIR = "probabilities"
#: The sample layout whose fold and test-set predictions also write ``voi/{case}.npz``.
VOI_LAYOUT = "3d_voi"


@dataclass(frozen=True)
class CasePrediction:
    """What the network(s) say about one case.

    Attributes:
        prob: ``(Z, Y, X)`` float32 foreground probability on the original grid; ``None`` for a
            classifier (no segmentation output).
        reference: the original grid.
        cls_prob: probability of class 1 (multi-task 3D networks and classifiers), else ``None``.
        preprocessed: the probability and reference on the cropped preprocessed grid, kept only
            when asked (``keep_preprocessed``: the VOI crop of ``3d_voi`` models), else ``None``.
    """

    prob: np.ndarray | None
    reference: sitk.Image
    cls_prob: float | None = None
    preprocessed: PreprocessedPrediction | None = None


def predict_probability(models: torch.nn.Module | Sequence[torch.nn.Module], preprocessed_npz: PathLike,
                        reference_image: PathLike | sitk.Image, samples: SampleSettings, batch_size: int = 16,
                        device: str | torch.device = "auto", tta: str = "none",
                        overlap: float = 0.5, progress: bool = False) -> tuple[np.ndarray, sitk.Image]:
    """``(prob, reference)`` of :func:`predict_case_outputs`."""
    outputs = predict_case_outputs(models, preprocessed_npz, reference_image, samples, batch_size, device, tta,
                                   overlap, progress)
    return outputs.prob, outputs.reference


def predict_case_outputs(models: torch.nn.Module | Sequence[torch.nn.Module], preprocessed_npz: PathLike,
                         reference_image: PathLike | sitk.Image, samples: SampleSettings, batch_size: int = 16,
                         device: str | torch.device = "auto", tta: str = "none",
                         overlap: float = 0.5, progress: bool = False,
                         keep_preprocessed: bool = False) -> CasePrediction:
    """The (ensemble's) foreground probability of one case on its original grid.

    Args:
        models: the network, or the fold networks of an ensemble, on ``device``.
        preprocessed_npz: ``{case}.npz`` of the preprocess stage (``image (C, Z, Y, X)``, ...).
        reference_image: ``images/{case}.nii.gz`` (or the image itself), the original grid.
        samples: the sample geometry the models were trained on (from their checkpoints).
        batch_size: slices per forward pass.
        device: where the models live.
        tta: ``"none"`` or ``"flips"`` (:func:`lesionbench.inference.volume.predict_volume`).
        overlap: sliding-window overlap (``3d_voi`` with ``placement: sliding_window``).
        progress: a progress bar over the fold models (``lesionbench segment``).
        keep_preprocessed: also return the probability and reference on the preprocessed grid
            (``CasePrediction.preprocessed``; no copy).

    Returns:
        The :class:`CasePrediction`: the probability (float32 in [0, 1]) is resampled linearly
        from the cropped preprocessed grid onto the original image
        (:func:`lesionbench.preprocess.uncrop_to_original`), outside the crop 0; ``cls_prob``
        for multi-task 3D models.

    Raises:
        FileNotFoundError, ValueError: naming the file, for missing or inconsistent inputs.
    """
    from lesionbench.preprocess import (
        load_preprocessed,
        reference_grid,
        uncrop_to_original,
    )

    preprocessed_npz = Path(preprocessed_npz)
    npz = load_preprocessed(preprocessed_npz)
    image = np.asarray(npz["image"])
    if image.ndim != 4 or 0 in image.shape:
        raise ValueError(f"{preprocessed_npz}: image must be a non-empty (C, Z, Y, X) array, got shape {image.shape}")
    # the first channel's grid (4D images: MSD layout)
    reference = reference_image if isinstance(reference_image, sitk.Image) else reference_grid(reference_image)
    try:
        prob, cls_prob = predict_volume_and_class(models, image, [float(s) for s in npz["spacing"]], samples,
                                                  batch_size, device, tta=tta, mask_zyx=np.asarray(npz["mask"]),
                                                  overlap=overlap, progress=progress)
    except ValueError as error:
        raise ValueError(f"{preprocessed_npz}: {error}") from None
    if prob is None:
        return CasePrediction(None, reference, cls_prob)
    prob_original = np.asarray(uncrop_to_original(prob, npz, reference, samples.resampling.antialias), dtype=np.float32)
    expected = tuple(reversed(reference.GetSize()))
    if prob_original.shape != expected:
        raise ValueError(f"{preprocessed_npz}: uncropped prediction has shape {prob_original.shape}, "
                         f"but the original image is {expected} (z, y, x)")
    preprocessed = None
    if keep_preprocessed:
        spacing_xyz = tuple(float(s) for s in npz["spacing"])
        preprocessed = PreprocessedPrediction(prob, np.asarray(npz["mask"]), spacing_xyz)
    return CasePrediction(np.clip(prob_original, 0.0, 1.0), reference, cls_prob, preprocessed)


def write_prediction(prob_zyx: np.ndarray, reference: sitk.Image, out_path: PathLike, threshold: float,
                     probability_path: PathLike | None = None,
                     postprocess: Callable[[sitk.Image], sitk.Image] | None = None) -> Path:
    """Threshold a probability map into a ``uint8`` label NIfTI on ``reference``'s grid.

    Args:
        prob_zyx: ``(Z, Y, X)`` probabilities on the reference grid.
        reference: the original image (origin, spacing and direction are copied).
        out_path: the label map to write (0/1).
        threshold: foreground where ``prob >= threshold``.
        probability_path: also write the probability map there (float32), if given.
        postprocess: applied to the thresholded label map before it is written (the
            post-processing chosen on cross-validation), if given.

    Returns:
        ``out_path``.
    """
    out_path = Path(out_path)
    mask = sitk.GetImageFromArray((prob_zyx >= threshold).astype(np.uint8))
    mask.CopyInformation(reference)
    if postprocess is not None:
        mask = postprocess(mask)
    if probability_path is not None:
        prob = sitk.GetImageFromArray(prob_zyx.astype(np.float32))
        prob.CopyInformation(reference)
        write_image(prob, probability_path)
    write_image(mask, out_path)
    return out_path


def probability_path(out_path: PathLike) -> Path:
    """Where the probability map of the label map ``out_path`` goes: ``probabilities/{case}.nii.gz`` beside it."""
    out_path = Path(out_path)
    return out_path.parent / PROBABILITIES_DIR / out_path.name


def predict_case(model: torch.nn.Module | Sequence[torch.nn.Module], preprocessed_npz: PathLike,
                 reference_image: PathLike, out_path: PathLike, samples: SampleSettings, batch_size: int = 16,
                 threshold: float = 0.5, device: str | torch.device = "auto", tta: str = "none",
                 save_probabilities: bool = False, overlap: float = 0.5) -> Path:
    """Predict one case and write its mask on the reference image's grid.

    Args:
        model: the network (or the fold networks of an ensemble), on ``device``.
        preprocessed_npz: ``{case}.npz`` of the preprocess stage (``image (C, Z, Y, X)``, ...).
        reference_image: ``images/{case}.nii.gz``, the original grid.
        out_path: the ``.nii.gz`` to write (uint8 0/1, the reference's origin/spacing/direction).
        samples: the sample geometry the model was trained on (from its checkpoint).
        batch_size: slices per forward pass.
        threshold: foreground where the probability on the original grid is ``>= threshold``.
        device: where ``model`` lives.
        tta: ``"none"`` or ``"flips"``.
        save_probabilities: also write the probability map (:func:`probability_path`).

    Returns:
        ``out_path``.

    Raises:
        FileNotFoundError, ValueError: naming the file, for missing or inconsistent inputs.
    """
    prob, reference = predict_probability(model, preprocessed_npz, reference_image, samples, batch_size, device, tta,
                                          overlap)
    return write_prediction(prob, reference, out_path, threshold,
                            probability_path(out_path) if save_probabilities else None)


def _check_inputs(cases: Sequence[str], preprocessed_dir: PathLike, images_dir: PathLike) -> list[tuple[str, Path, Path]]:
    inputs = [(case, Path(preprocessed_dir) / f"{case}.npz", Path(images_dir) / f"{case}.nii.gz") for case in cases]
    for _, npz_path, image_path in inputs:
        for path in (npz_path, image_path):
            if not path.is_file():
                raise FileNotFoundError(f"{path}: input of test case not found")
    return inputs


def predict_fold(checkpoint_path: PathLike, folds_json: PathLike, fold: int, preprocessed_dir: PathLike,
                 images_dir: PathLike, out_dir: PathLike, settings: PredictSettings,
                 device: str | torch.device = "auto", network_factory: NetworkFactory | None = None) -> list[Path]:
    """Predict every ``test`` case of fold ``fold`` with the checkpoint trained on that fold.

    Args:
        checkpoint_path: ``{R}/models/{experiment}/fold-{k}/best.pt``.
        folds_json: ``{R}/folds.json``.
        fold: the fold index ``k``.
        preprocessed_dir: folder of ``{case}.npz`` (preprocess stage).
        images_dir: folder of ``{case}.nii.gz`` (ingest stage), the original grids.
        out_dir: ``{R}/predictions/{experiment}/fold-{k}``; receives ``{case}.nii.gz`` (and
            ``probabilities/{case}.nii.gz`` with ``settings.save_probabilities``; ``voi/{case}.npz``
            for ``3d_voi`` models, :func:`write_case_voi`).
        settings: ``batch_size``, ``threshold``, ``tta``, ``save_probabilities`` (``folds`` is
            for ensembles: a fold's test cases are predicted by that fold's model); the sample
            geometry (layout, size, fit) is the one stored in the checkpoint.
        device: ``"auto"`` (CUDA if available) or a torch device.
        network_factory: see :func:`load_model`.

    Returns:
        The written paths, in the order of the fold's ``test`` list.

    Raises:
        FileNotFoundError: naming the first missing input (all are checked before any is written).
        ValueError: for a bad folds file, checkpoint, settings or case file, naming it.
    """
    inputs = _check_inputs(fold_test_cases(folds_json, fold), preprocessed_dir, images_dir)
    device = resolve_device(device)
    model, checkpoint = load_model(checkpoint_path, device, network_factory)
    samples = with_placement(checkpoint_samples(checkpoint, checkpoint_path), settings)
    return _predict_cases([model], inputs, samples, out_dir, settings, device)


def _predict_cases(models: Sequence[torch.nn.Module], inputs: Sequence[tuple[str, Path, Path]], samples: SampleSettings,
                   out_dir: PathLike, settings: PredictSettings, device: torch.device,
                   postprocess: Callable[[sitk.Image], sitk.Image] | None = None) -> list[Path]:
    """Predict and write every case of ``inputs``; multi-task models' class probabilities go to
    ``classes.tsv`` (:data:`CLASSES_TSV`) after the label maps; a classifier writes
    ``classes.tsv`` alone (the returned list of label maps is then empty). ``3d_voi`` models also
    write ``voi/{case}.npz`` (:func:`write_case_voi`) before each label map."""
    written, classes = [], []
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for case, npz_path, image_path in inputs:
        out_path = Path(out_dir) / f"{case}.nii.gz"
        outputs = predict_case_outputs(models, npz_path, image_path, samples, settings.batch_size, device,
                                       settings.tta, settings.overlap, keep_preprocessed=writes_voi(samples))
        if outputs.cls_prob is not None:
            classes.append({"case_id": case, "cls_prob": round(outputs.cls_prob, 6)})
        if outputs.prob is None:  # a classifier: its class alone
            log.info("%s: class probability %.3f (%d model(s))", case, outputs.cls_prob, len(models))
            continue
        if outputs.preprocessed is not None:
            write_case_voi(outputs.preprocessed, out_path, samples, settings.threshold, postprocess)
        write_prediction(outputs.prob, outputs.reference, out_path, settings.threshold,
                         probability_path(out_path) if settings.save_probabilities else None, postprocess)
        log.info("%s -> %s (%d model(s))%s", case, out_path, len(models),
                 "" if outputs.cls_prob is None else f", class probability {outputs.cls_prob:.3f}")
        written.append(out_path)
    if classes:
        write_classes(Path(out_dir) / CLASSES_TSV, classes)
    return written


def writes_voi(samples: SampleSettings) -> bool:
    """Whether fold and test-set predictions of models trained on ``samples`` write ``voi/{case}.npz``
    (``3d_voi`` layouts, either placement)."""
    return samples.layout == VOI_LAYOUT


def write_case_voi(case: PreprocessedPrediction, out_path: PathLike, samples: SampleSettings, threshold: float,
                   postprocess: Callable[[sitk.Image], sitk.Image] | None = None) -> Path:
    """Write the VOI crop of one case (:func:`lesionbench.inference.voi.voi_crop`) beside its label map.

    Args:
        case: the probability and reference on the preprocessed grid.
        out_path: the case's label map ``{case}.nii.gz``; the crop goes to ``voi/{case}.npz`` beside it.
        samples: the models' geometry (``voi``: the VOI size).
        threshold: foreground where the preprocessed probability is ``>= threshold``.
        postprocess: the label maps' post-processing, if any.

    Returns:
        The written ``voi/{case}.npz`` (atomic write).
    """
    return write_voi(voi_path(out_path), voi_crop(case, samples, threshold, postprocess))


#: The class probability of every case a multi-task model predicted, beside its label maps.
CLASSES_TSV = "classes.tsv"


def write_classes(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """``classes.tsv``: ``case_id``, ``cls_prob`` (probability of class 1), one row per case."""
    import pandas as pd

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".tsv") as tmp:
        pd.DataFrame(list(rows), columns=["case_id", "cls_prob"]).to_csv(tmp, sep="\t", index=False)
    return path


def load_ensemble(checkpoint_paths: Sequence[PathLike], device: str | torch.device = "auto",
                  network_factory: NetworkFactory | None = None) -> tuple[list[torch.nn.Module], SampleSettings]:
    """The fold models of an ensemble and their common sample geometry.

    Raises:
        ValueError: no checkpoint, or checkpoints trained on different sample geometries
            (they cannot share one input), naming the files.
    """
    if not checkpoint_paths:
        raise ValueError("an ensemble needs at least one checkpoint")
    models, geometry = [], None
    for path in checkpoint_paths:
        model, checkpoint = load_model(path, device, network_factory)
        samples = checkpoint_samples(checkpoint, path)
        if geometry is not None and samples.to_dict() != geometry[1].to_dict():
            raise SettingsError(f"{path}: trained on other samples than {geometry[0]}; an ensemble needs one geometry")
        geometry = geometry or (path, samples)
        models.append(model)
    assert geometry is not None
    return models, geometry[1]


def predict_ensemble(checkpoint_paths: Sequence[PathLike], cases: Sequence[str], preprocessed_dir: PathLike,
                     images_dir: PathLike, out_dir: PathLike, settings: PredictSettings,
                     device: str | torch.device = "auto", network_factory: NetworkFactory | None = None,
                     postprocess: Callable[[sitk.Image], sitk.Image] | None = None) -> list[Path]:
    """Predict ``cases`` with the mean probability of several fold models (a held-out test set).

    Args:
        checkpoint_paths: the chosen folds' ``best.pt``.
        cases: case ids; ``{case}.npz`` in ``preprocessed_dir``, ``{case}.nii.gz`` in ``images_dir``.
        out_dir: receives ``{case}.nii.gz`` (and ``probabilities/{case}.nii.gz`` with
            ``settings.save_probabilities``; ``voi/{case}.npz`` for ``3d_voi`` models, :func:`write_case_voi`).
        settings: batch size, threshold, tta, save_probabilities.
        postprocess: applied to each thresholded label map (the post-processing chosen on
            cross-validation), if given; the probability map is written before it.

    Returns:
        The written label maps, in the order of ``cases``.
    """
    inputs = _check_inputs(cases, preprocessed_dir, images_dir)
    device = resolve_device(device)
    models, samples = load_ensemble(checkpoint_paths, device, network_factory)
    samples = with_placement(samples, settings)
    return _predict_cases(models, inputs, samples, out_dir, settings, device, postprocess)


def checkpoint_samples(checkpoint: Mapping[str, Any], checkpoint_path: PathLike) -> SampleSettings:
    """The sample geometry a checkpoint was trained on (``checkpoint["data"]["samples"]``).

    Raises:
        SettingsError: the checkpoint does not record it (written before samples were streamed:
            retrain it).
    """
    stored = checkpoint.get("data", {}).get("samples")
    if stored is None:
        raise SettingsError(f"{checkpoint_path}: records no sample geometry (an older checkpoint); retrain it")
    samples = SampleSettings.from_dict(stored)
    get_layout(samples.layout)
    return samples


def with_placement(samples: SampleSettings, settings: PredictSettings) -> SampleSettings:
    """``samples`` with the prediction's ``placement`` (``3d_voi``), when the settings give one."""
    if settings.placement is None:
        return samples
    return SampleSettings.from_dict({**samples.to_dict(), "placement": settings.placement})
