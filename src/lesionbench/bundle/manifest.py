"""The model bundle manifest (``models/{experiment}/model.json``): everything needed to apply a model.

A bundle is an experiment's model folder: ``model.json`` plus the fold checkpoints it names
(``fold-{k}/best.pt``). The manifest records what the workflow knew when it applied the model to
its own cases, so :mod:`lesionbench.segment` can apply it to a new scan without the workflow or
its configuration, as MONAI bundles and nnU-Net's ``plans.json`` + ``dataset.json`` do:

- the network and its options (also in every checkpoint, checked to agree);
- the preprocessing of the dataset: modality, channels, DICOM conversion (``ingest``), the brain
  mask (CT) or none, resampling, spacing, window or normalisation, skull stripping and cropping
  (``preprocess``), and the sample layout, size and fit (``samples``);
- the folds, each with its checkpoint's path (relative to the bundle) and SHA-256;
- how to predict (threshold, test-time augmentation, the fold ensemble), the post-processing
  chosen on cross-validation, and the label names;
- the package version and the bundle format, checked when loading
  (:func:`lesionbench.bundle.load_bundle`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StrictInt

from lesionbench import __version__
from lesionbench.brainmask import BrainMaskSettings
from lesionbench.classification.target import ClassTarget
from lesionbench.config import Settings, choice
from lesionbench.inference.settings import PredictSettings
from lesionbench.ingest import IngestSettings
from lesionbench.io import file_sha256, provenance, write_json
from lesionbench.preprocess import PreprocessSettings
from lesionbench.samples import SampleSettings
from lesionbench.typing import PathLike

#: Version of the manifest's layout; a loader refuses another.
BUNDLE_FORMAT = 1
#: The manifest's file name in a bundle folder or zip.
MANIFEST = "model.json"
#: Default label names of a binary lesion segmentation.
LESION_LABELS = {"0": "background", "1": "lesion"}


class FoldEntry(Settings):
    """One fold model of the bundle.

    Attributes:
        fold: the cross-validation fold it was trained on (it never saw that fold's test cases).
        checkpoint: its ``best.pt``, relative to the bundle folder (POSIX separators).
        sha256: SHA-256 of the checkpoint file; loading refuses a file that differs.
        best_epoch: the epoch whose weights were kept (best validation Dice).
        best_val_dice: that validation Dice.
    """

    fold: Annotated[StrictInt, Field(ge=0)]
    checkpoint: Annotated[str, Field(pattern=r"^[^/\\][^\\]*$")]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    best_epoch: int | None = None
    best_val_dice: float | None = None


def _step_names() -> list[str]:
    from lesionbench.postprocess import OPERATIONS

    return sorted(OPERATIONS)


class PostprocessingStep(Settings):
    """The post-processing chosen on cross-validation (:mod:`lesionbench.postprocess`).

    Attributes:
        name: ``none``, ``largest_component`` or ``min_volume``.
        min_ml: ``min_volume``: components under this volume (mL) are removed.
    """

    name: choice("post-processing step", _step_names) = "none"  # type: ignore[valid-type]
    min_ml: Annotated[float, Field(gt=0.0)] | None = None


class Manifest(Settings):
    """``model.json``: a trained experiment, applicable without the workflow.

    Attributes:
        bundle_format: layout version of this file (:data:`BUNDLE_FORMAT`).
        lesionbench_version: the package version that wrote it.
        experiment: the experiment's name.
        dataset: the dataset it was trained on.
        label: its display name.
        modality: ``CT`` or ``MR``.
        channels: image channels of one case (before a 2.5D stack).
        labels: label value -> name of the label maps it writes.
        network: ``{name, ...options}`` as in the configuration.
        ingest: DICOM conversion settings.
        brain_mask: the CT brain mask settings, or ``None`` (no brain mask).
        preprocess: resampling, spacing, normalisation, skull stripping and cropping.
        samples: the sample geometry (layout, size, fit, 2.5D offsets) the folds were trained on.
        predict: threshold, tta, batch size and the fold ensemble.
        classification: the class a multi-task model predicts (:class:`ClassTarget`), or ``None``.
        postprocessing: the step chosen on cross-validation.
        postprocessing_evidence: the mean cross-validation Dice of each candidate step.
        folds: the fold models, in fold order.
        provenance: who wrote the bundle and from what.
    """

    WHERE: ClassVar[str] = ""  # read_manifest names the file

    bundle_format: Literal[1]
    lesionbench_version: str
    experiment: str
    dataset: str
    label: str | None = None
    modality: Literal["CT", "MR"]
    channels: Annotated[StrictInt, Field(ge=1)] = 1
    labels: dict[str, str] = LESION_LABELS
    network: dict[str, Any]
    ingest: IngestSettings = IngestSettings()
    brain_mask: BrainMaskSettings | None = None
    preprocess: PreprocessSettings
    samples: SampleSettings
    predict: PredictSettings = PredictSettings()
    classification: ClassTarget | None = None
    postprocessing: PostprocessingStep = PostprocessingStep()
    postprocessing_evidence: list[dict[str, Any]] = []
    folds: Annotated[list[FoldEntry], Field(min_length=1)]
    provenance: dict[str, Any] = {}


def build_manifest(model_dir: PathLike, settings: Mapping[str, Any], checkpoints: Sequence[PathLike],
                   postprocessing: Mapping[str, Any] | None = None) -> Manifest:
    """The manifest of the fold checkpoints under ``model_dir``.

    Args:
        model_dir: ``{R}/models/{experiment}``: every checkpoint must lie under it.
        settings: ``{experiment, dataset, label, modality, channels, network, ingest, brain_mask,
            preprocess, samples, predict}`` (what the workflow passes from the configuration).
        checkpoints: the folds' ``best.pt``, under folders named ``fold-{k}``.
        postprocessing: the decision of :func:`lesionbench.postprocess.choose_postprocessing`
            (``{"chosen": {...}, "candidates": [...]}``), or ``None`` for none.

    Raises:
        ValueError: a checkpoint outside ``model_dir``, not under ``fold-{k}``, or repeated.
        CheckpointError: a checkpoint that cannot be read, naming it.
    """
    from lesionbench.training.checkpoint import load_checkpoint

    model_dir = Path(model_dir).resolve()
    folds = []
    for path in checkpoints:
        path = Path(path).resolve()
        try:
            relative = path.relative_to(model_dir)
        except ValueError:
            raise ValueError(f"{path}: checkpoint is not inside the bundle folder {model_dir}") from None
        match = re.fullmatch(r"fold-(\d+)", relative.parts[0]) if len(relative.parts) > 1 else None
        if match is None:
            raise ValueError(f"{path}: a bundle's checkpoints live in fold-<k>/ folders")
        checkpoint = load_checkpoint(path)
        folds.append({"fold": int(match.group(1)), "checkpoint": relative.as_posix(), "sha256": file_sha256(path),
                      "best_epoch": checkpoint.get("best_epoch"), "best_val_dice": checkpoint.get("best_val_dice")})
    indices = [entry["fold"] for entry in folds]
    if len(set(indices)) != len(indices):
        raise ValueError(f"{model_dir}: fold(s) given twice: {sorted(indices)}")
    decision = dict(postprocessing or {})
    record = {
        "bundle_format": BUNDLE_FORMAT, "lesionbench_version": __version__, **dict(settings),
        "postprocessing": decision.get("chosen", {"name": "none"}),
        "postprocessing_evidence": list(decision.get("candidates", [])),
        "folds": sorted(folds, key=lambda entry: entry["fold"]),
    }
    record["provenance"] = provenance({k: v for k, v in record.items() if k != "folds"}, stage="bundle",
                                      checkpoints=[entry["sha256"] for entry in record["folds"]])
    return Manifest.from_dict(record)


def write_manifest(model_dir: PathLike, settings: Mapping[str, Any], checkpoints: Sequence[PathLike],
                   postprocessing: Mapping[str, Any] | None = None, out: PathLike | None = None) -> Path:
    """Build the manifest (:func:`build_manifest`) and write it to ``out`` (default ``model_dir/model.json``)."""
    manifest = build_manifest(model_dir, settings, checkpoints, postprocessing)
    path = Path(out) if out is not None else Path(model_dir) / MANIFEST
    write_json(path, manifest.to_dict())
    return path
