"""Segment new scans with a model bundle: the workflow's stages for one case, without the workflow.

Per scan, as the bundle's manifest says (:mod:`lesionbench.bundle.manifest`):

1. **conversion**: a DICOM series to HU on the grid ``lesionbench dicom2nifti`` writes (the
   bundle's ``ingest`` settings), or an image file read as the dataset recipes read it (2D
   slices as one-slice volumes, 8-bit slices scaled to ``[0, 1]``);
2. **brain mask** (CT bundles with one): :func:`lesionbench.brainmask.ct_brain_mask`;
3. **preprocessing**: :func:`lesionbench.preprocess.preprocess_case` without a reference mask;
4. **network**: the mean probability of the chosen fold models (and mirrorings, with
   ``tta``), mapped back onto the scan's own grid;
5. **write**: the thresholded, post-processed label map (``uint8``, the scan's exact origin,
   spacing, direction and size), the probability map if asked, and a DICOM Segmentation
   object referencing the source series for DICOM input; the case's row of ``volumes.tsv``.

Nothing is written for a case that fails before its label map; intermediate files live in a
temporary folder that is removed afterwards.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk
import torch

from lesionbench.bundle import Bundle
from lesionbench.io import ImageFileError, write_image
from lesionbench.segment.inputs import IMAGE_SUFFIXES, ScanInput
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: Columns of ``volumes.tsv``, in order.
VOLUME_COLUMNS = ("case", "input", "volume_ml", "abc2_ml", "components", "largest_component_ml", "class",
                  "class_probability", "seconds")
#: Stages timed per case (``timings`` of :class:`SegmentResult`), in order.
STAGES = ("conversion", "brain_mask", "preprocessing", "network", "write")


@dataclass
class SegmentResult:
    """What segmenting one scan wrote and measured."""

    scan: ScanInput
    label: Path
    row: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    extra_outputs: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Ensemble:
    """The bundle's chosen fold models, loaded once for all scans."""

    models: list[torch.nn.Module]
    samples: Any
    device: torch.device
    folds: list[int]


def load_models(bundle: Bundle, folds: str | Sequence[int] | None = None, device: str = "auto") -> Ensemble:
    """Build the chosen fold networks of ``bundle`` (default: its ``predict.folds``) on ``device``."""
    from lesionbench.inference import load_ensemble, resolve_device, with_placement
    from lesionbench.samples import SampleSettings

    chosen = bundle.manifest.predict.folds if folds is None else folds
    paths = bundle.checkpoints(chosen)
    resolved = resolve_device(device)
    models, samples = load_ensemble(paths, resolved)
    samples = with_placement(samples, bundle.manifest.predict)
    if samples.placement == "voi" and samples.layout == "3d_voi":
        # A new scan has no reference lesion to place the VOI on: the whole volume is predicted.
        log.info("%s: VOI model; new scans are predicted with the sliding window (no reference to place the VOI)",
                 bundle.manifest.experiment)
        samples = SampleSettings.from_dict({**samples.to_dict(), "placement": "sliding_window"})
    indices = [entry.fold for entry in bundle.manifest.folds] if chosen == "all" else list(chosen)
    return Ensemble(models, samples, resolved, indices)


def read_scan(scan: ScanInput, bundle: Bundle) -> sitk.Image:
    """The scan as the workflow's ingest would give it (HU for CT DICOM), on its native grid.

    Raises:
        ImageFileError (a ``ValueError``): naming the file or folder and the problem.
    """
    manifest = bundle.manifest
    if scan.kind == "unknown":
        raise ImageFileError(f"{scan.path}: not an image file or DICOM folder (image suffixes: "
                             f"{', '.join(IMAGE_SUFFIXES)})")
    if scan.kind == "dicom":
        from lesionbench.ingest.dicom_series import dicom_to_image

        image, _ = dicom_to_image(scan.path, manifest.ingest)
        return image
    if manifest.channels > 1:
        return _read_channels(scan.path, manifest.channels)
    from lesionbench.datasets.volumes import read_volume

    return read_volume(scan.path).image


def _read_channels(path: Path, channels: int) -> sitk.Image:
    """A 4D image ``(X, Y, Z, C)`` with the bundle's ``channels`` volumes (the MSD layout)."""
    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError as error:
        raise ImageFileError(f"{path}: cannot be read as an image ({str(error).strip().splitlines()[-1]})") from None
    found = image.GetSize()[3] if image.GetDimension() == 4 else 1
    if found != channels:
        raise ImageFileError(f"{path}: {found} channel(s), but the model takes {channels} "
                             "(give one 4D NIfTI with the channels in the training order)")
    return image


def segment_scan(scan: ScanInput, bundle: Bundle, ensemble: Ensemble, out_dir: PathLike, *,
                 tta: str | None = None, batch_size: int | None = None, save_probabilities: bool | None = None,
                 dicom_seg: bool = True, progress: bool = False) -> SegmentResult:
    """Segment one scan and write its outputs under ``out_dir``.

    Args:
        scan: from :func:`lesionbench.segment.find_scans`.
        bundle: the verified bundle.
        ensemble: its loaded fold models (:func:`load_models`).
        out_dir: receives ``{name}.nii.gz`` (label map), ``probabilities/{name}.nii.gz`` and,
            for DICOM input, ``{name}.seg.dcm``.
        tta, batch_size, save_probabilities: override the bundle's ``predict`` settings.
        dicom_seg: write the DICOM Segmentation object for DICOM input.
        progress: a progress bar over the fold models while the network runs.

    Returns:
        The outputs, the ``volumes.tsv`` row and the seconds spent per stage (:data:`STAGES`).

    Raises:
        FileNotFoundError, ValueError: naming the file and the problem (nothing written for it).
    """
    from lesionbench.inference import predict_case_outputs

    manifest = bundle.manifest
    predict = manifest.predict
    tta = predict.tta if tta is None else tta
    batch_size = predict.batch_size if batch_size is None else batch_size
    save_probabilities = predict.save_probabilities if save_probabilities is None else save_probabilities
    out_dir = Path(out_dir)
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    with tempfile.TemporaryDirectory(prefix="lesionbench-segment-") as work:
        work_dir = Path(work)
        image = read_scan(scan, bundle)
        image_path = work_dir / "image.nii"  # uncompressed: a temporary file
        write_image(image, image_path)
        lap("conversion")
        brain_path = None
        if manifest.brain_mask is not None:
            from lesionbench.brainmask import ct_brain_mask

            brain_path = work_dir / "brain.nii"
            write_image(ct_brain_mask(image, manifest.brain_mask), brain_path)
        lap("brain_mask")
        from lesionbench.preprocess import preprocess_case, reference_grid

        npz_path = work_dir / f"{scan.name}.npz"
        preprocess_case(image_path, None, brain_path, npz_path, manifest.preprocess)
        lap("preprocessing")
        # the scan's own grid (a 4D multi-channel image: its first channel's)
        reference = image if image.GetDimension() == 3 else reference_grid(image_path)
        outputs = predict_case_outputs(ensemble.models, npz_path, reference, ensemble.samples, batch_size,
                                       ensemble.device, tta, predict.overlap, progress)
        prob, reference = outputs.prob, outputs.reference
        lap("network")
    label, row = _label_and_row(scan, prob, reference, bundle, predict.threshold)
    row.update(class_columns(outputs.cls_prob, manifest.classification))
    label_path = out_dir / f"{scan.name}.nii.gz"
    outputs = []
    if save_probabilities:
        probability = sitk.GetImageFromArray(prob.astype(np.float32))
        probability.CopyInformation(reference)
        probability_path = out_dir / "probabilities" / f"{scan.name}.nii.gz"
        write_image(probability, probability_path)
        outputs.append(probability_path)
    if dicom_seg and scan.kind == "dicom":
        from lesionbench.io.dicom_seg import write_dicom_seg

        outputs.append(write_dicom_seg(label, scan.path, out_dir / f"{scan.name}.seg.dcm", settings=manifest.ingest,
                                       series_description=f"lesionbench {manifest.experiment}"))
    write_image(label, label_path)  # last: its presence marks a finished case
    lap("write")
    row["seconds"] = round(sum(timings.values()), 3)
    return SegmentResult(scan, label_path, row, timings, outputs)


def class_columns(cls_prob: float | None, target: Any) -> dict[str, Any]:
    """``class`` and ``class_probability`` of a ``volumes.tsv`` row: the predicted class's name
    (class 1 where its probability is >= 0.5) and the probability of class 1; empty for
    segmentation-only models."""
    if cls_prob is None:
        return {"class": "", "class_probability": float("nan")}
    index = int(cls_prob >= 0.5)
    name = target.name_of(index) if target is not None else str(index)
    return {"class": name, "class_probability": round(float(cls_prob), 4)}


def _label_and_row(scan: ScanInput, prob: np.ndarray, reference: sitk.Image, bundle: Bundle,
                   threshold: float) -> tuple[sitk.Image, dict[str, Any]]:
    """The post-processed label map on the scan's grid and its ``volumes.tsv`` row."""
    from lesionbench.metrics.abc2 import abc2_ml
    from lesionbench.metrics.volume import volume_ml
    from lesionbench.postprocess import apply_to_image, component_volumes_ml

    label = sitk.GetImageFromArray((prob >= threshold).astype(np.uint8))
    label.CopyInformation(reference)
    label = apply_to_image(label, bundle.manifest.postprocessing.to_dict())
    mask = sitk.GetArrayViewFromImage(label) > 0
    spacing_xyz = tuple(float(s) for s in reference.GetSpacing())
    spacing_zyx = spacing_xyz[::-1]
    components = component_volumes_ml(mask.astype(np.uint8), spacing_xyz)
    row = {
        "case": scan.name, "input": scan.kind,
        "volume_ml": round(volume_ml(mask, spacing_zyx), 4),
        "abc2_ml": round(abc2_ml(mask, spacing_zyx), 4),
        "components": len(components),
        "largest_component_ml": round(max(components, default=0.0), 4),
    }
    return label, row
