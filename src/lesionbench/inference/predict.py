"""Predict the held-out (``test``) cases of one fold onto their original image grid.

Per case: preprocessed volume -> slices at the network size -> foreground probability ->
back to the cropped grid -> :func:`lesionbench.preprocess.uncrop_to_original` (pad, linear
resampling onto the original image) -> threshold -> ``uint8`` NIfTI with the original image's
origin, spacing and direction. Metrics are then computed on the original grid against the
original reference (docs/architecture.md, "Data flow"), never on resized slices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk
import torch

from lesionbench.folds import read_fold
from lesionbench.inference.runtime import model_to_device, resolve_device
from lesionbench.inference.settings import PredictSettings, SettingsError
from lesionbench.inference.volume import predict_volume
from lesionbench.io import write_image
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
    return model, checkpoint


def fold_test_cases(folds_json: PathLike, fold: int) -> list[str]:
    """The ``test`` case ids of fold ``fold`` in ``folds.json`` (docs/file-formats.md, "Folds").

    Raises:
        FileNotFoundError: if missing. FoldsFileError: naming the file, if it is not valid
            JSON, has no fold ``fold`` or its ``test`` list is not a list of strings.
    """
    return read_fold(folds_json, fold, ("test",))["test"]


def predict_case(model: torch.nn.Module, preprocessed_npz: PathLike, reference_image: PathLike,
                 out_path: PathLike, samples: SampleSettings, batch_size: int = 16, threshold: float = 0.5,
                 device: str | torch.device = "auto") -> Path:
    """Predict one case and write its mask on the reference image's grid.

    Args:
        model: the network, on ``device``.
        preprocessed_npz: ``{case}.npz`` of the preprocess stage (``image (C, Z, Y, X)``, ...).
        reference_image: ``images/{case}.nii.gz``, the original grid.
        out_path: the ``.nii.gz`` to write (uint8 0/1, the reference's origin/spacing/direction).
        samples: the sample geometry the model was trained on (from its checkpoint).
        batch_size: slices per forward pass.
        threshold: foreground where the probability on the original grid is ``>= threshold``.
        device: where ``model`` lives.

    Returns:
        ``out_path``.

    Raises:
        FileNotFoundError, ValueError: naming the file, for missing or inconsistent inputs.
    """
    from lesionbench.preprocess import load_preprocessed, reference_grid, uncrop_to_original

    preprocessed_npz, out_path = Path(preprocessed_npz), Path(out_path)
    npz = load_preprocessed(preprocessed_npz)
    image = np.asarray(npz["image"])
    if image.ndim != 4 or 0 in image.shape:
        raise ValueError(f"{preprocessed_npz}: image must be a non-empty (C, Z, Y, X) array, got shape {image.shape}")
    reference = reference_grid(reference_image)  # the first channel's grid (4D images: MSD layout)
    prob = predict_volume(model, image, [float(s) for s in npz["spacing"]], samples, batch_size, device)
    prob_original = np.asarray(uncrop_to_original(prob, npz, reference, samples.resampling.antialias))
    expected = tuple(reversed(reference.GetSize()))
    if prob_original.shape != expected:
        raise ValueError(f"{preprocessed_npz}: uncropped prediction has shape {prob_original.shape}, "
                         f"but {reference_image} is {expected} (z, y, x)")
    mask = sitk.GetImageFromArray((prob_original >= threshold).astype(np.uint8))
    mask.CopyInformation(reference)
    write_image(mask, out_path)
    return out_path


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
        out_dir: ``{R}/predictions/{experiment}/fold-{k}``; receives ``{case}.nii.gz``.
        settings: ``batch_size``, ``threshold``; the sample geometry (layout, size, fit) is the
            one stored in the checkpoint.
        device: ``"auto"`` (CUDA if available) or a torch device.
        network_factory: see :func:`load_model`.

    Returns:
        The written paths, in the order of the fold's ``test`` list.

    Raises:
        FileNotFoundError: naming the first missing input (all are checked before any is written).
        ValueError: for a bad folds file, checkpoint, settings or case file, naming it.
    """
    cases = fold_test_cases(folds_json, fold)
    inputs = [(case, Path(preprocessed_dir) / f"{case}.npz", Path(images_dir) / f"{case}.nii.gz") for case in cases]
    for _, npz_path, image_path in inputs:
        for path in (npz_path, image_path):
            if not path.is_file():
                raise FileNotFoundError(f"{path}: input of test case not found")
    device = resolve_device(device)
    model, checkpoint = load_model(checkpoint_path, device, network_factory)
    samples = checkpoint_samples(checkpoint, checkpoint_path)
    written = []
    for case, npz_path, image_path in inputs:
        out_path = predict_case(model, npz_path, image_path, Path(out_dir) / f"{case}.nii.gz", samples,
                                settings.batch_size, settings.threshold, device)
        log.info("%s -> %s", case, out_path)
        written.append(out_path)
    return written


def checkpoint_samples(checkpoint: Mapping[str, Any], checkpoint_path: PathLike) -> SampleSettings:
    """The sample geometry a checkpoint was trained on (``checkpoint["data"]["samples"]``).

    Raises:
        SettingsError: the checkpoint does not record it (written before samples were streamed:
            retrain it) or it is not a slice layout.
    """
    stored = checkpoint.get("data", {}).get("samples")
    if stored is None:
        raise SettingsError(f"{checkpoint_path}: records no sample geometry (an older checkpoint); retrain it")
    samples = SampleSettings.from_dict(stored)
    if get_layout(samples.layout).spatial_dims != 2:
        raise SettingsError(f"{checkpoint_path}: trained on {samples.layout} samples; slice-wise prediction needs "
                            "a 2D or 2.5D layout")
    return samples
