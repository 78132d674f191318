"""What every dataset recipe shares: parsing its source, and writing one ingested case.

A recipe turns a dataset's own folder layout into the ingest outputs of docs/file-formats.md
("Ingest"): ``{R}/images/{case}.nii.gz`` (float32; a 4D ``(X, Y, Z, C)`` NIfTI when the case
has several channels, :mod:`lesionbench.preprocess.channels`), ``{R}/masks/{case}.nii.gz``
(uint8 0/1 on the image grid) and ``{R}/meta/{case}.json``. A recipe only finds the files and
reads the labels (:meth:`Recipe.files`, :meth:`Recipe.labels`); :meth:`Recipe.ingest` checks
the mask is on the case's grid (the first channel, or the recipe's grid image), resamples the
channels that are not onto it, and writes the three files atomically, the metadata last so
that its presence marks a complete case. No file header field is copied into the metadata
except geometry; file names are kept only where they are the public dataset's own ids.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import SimpleITK as sitk

from lesionbench.datasets.volumes import check_on_grid, onto_reference, read_mask_volume, read_volume
from lesionbench.ingest.pseudonym import pseudonymise
from lesionbench.io import provenance, write_image, write_json
from lesionbench.preprocess.channels import join_channels
from lesionbench.typing import PathLike

#: Case ids must fit the workflow's ``case`` wildcard (workflow/rules/common.smk).
CASE_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class DatasetError(ValueError):
    """A dataset folder, CSV or sample sheet does not have the expected content (message names the file)."""


@dataclass
class CaseFiles:
    """The raw files of one case.

    Attributes:
        images: channel name -> image file, in channel order.
        mask: reference lesion mask(s) on the grid (several are united).
        extra: other inputs by role (e.g. the CT-ICH label CSV).
        grid: the image whose grid every channel is resampled onto and the mask must lie on
            (ISLES'22: the DWI, whichever channels are chosen); the first channel if ``None``.
    """

    images: dict[str, Path]
    mask: list[Path]
    extra: dict[str, Path] = field(default_factory=dict)
    grid: Path | None = None

    @property
    def grid_file(self) -> Path:
        """The file defining the case's grid."""
        return self.grid if self.grid is not None else next(iter(self.images.values()))

    def as_inputs(self) -> dict[str, str | list[str]]:
        """Snakemake-ready inputs: ``images`` (list), ``mask`` (path or list), ``grid`` if it is
        not a channel, and the extra roles."""
        inputs: dict[str, str | list[str]] = {"images": [str(p) for p in self.images.values()]}
        inputs["mask"] = str(self.mask[0]) if len(self.mask) == 1 else [str(p) for p in self.mask]
        if self.grid_file not in self.images.values():
            inputs["grid"] = str(self.grid_file)
        inputs.update({role: str(path) for role, path in self.extra.items()})
        return inputs


@dataclass
class CaseLabels:
    """Labels and notes a recipe adds to ``meta`` beyond the ones computed from the mask."""

    labels: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Recipe(ABC):
    """A dataset layout: lists its cases, names their files, and ingests one case.

    Subclasses set :attr:`kind`, :attr:`modality` and :attr:`source_keys` and implement
    :meth:`list_cases`, :meth:`files` and optionally :meth:`labels`. Public methods take the
    ``source`` mapping of the config (``datasets.{name}.source``) as it is.
    """

    kind: str = ""
    modality: str = ""
    #: source keys -> default (``...`` for required); ``kind`` is always allowed.
    source_keys: dict[str, Any] = {}
    #: source key -> one-line description (the configuration reference, ``docs/configuration.md``).
    source_docs: dict[str, str] = {}
    #: the case label naming each case's patient, ``folds.group_by``'s default (``auto``), so a
    #: patient's cases never fall into both training and test; ``None`` where a case is a patient.
    patient_label: str | None = None
    #: whether one case is one patient (one scan per subject); ``False`` with no
    #: :attr:`patient_label` means the folds cannot keep a patient together (a warning).
    case_is_patient: bool = True
    #: whether file names are the public dataset's own (non-identifying) ids, kept in meta.
    keep_file_names: bool = True

    # ---- public API (what the workflow calls)

    def case_ids(self, source: Mapping[str, Any]) -> list[str]:
        """Case ids, known before any job runs (from the folder listing, CSV or sheet)."""
        ids = self.list_cases(self.parse_source(source))
        bad = [case for case in ids if not CASE_ID_PATTERN.match(case)]
        if bad:
            raise DatasetError(f"{self.kind}: case id(s) {bad[:5]} contain characters outside [A-Za-z0-9_.-]")
        return ids

    def inputs(self, source: Mapping[str, Any], case: str) -> dict[str, str | list[str]]:
        """The raw files of ``case`` by role (``images`` list, ``mask``, extras)."""
        return self.files(self.parse_source(source), case).as_inputs()

    def ingest(self, source: Mapping[str, Any], case: str, out_image: PathLike, out_mask: PathLike,
               out_meta: PathLike, salt: str = "", case_id: str | None = None) -> dict[str, Any]:
        """Write the image, mask and metadata of ``case`` (docs/file-formats.md, "Ingest").

        ``case_id`` is the id stored in the metadata, when the workflow names the case otherwise
        than its source does (a separate test source's ``test_<case>``); default ``case``.

        Raises:
            FileNotFoundError: a raw file is missing.
            lesionbench.io.ImageFileError: a file cannot be read, or the mask is not on the
                case's grid (:attr:`CaseFiles.grid_file`; the message names both files).
            DatasetError: the dataset's labels or layout are inconsistent.
        """
        settings = self.parse_source(source)
        files = self.files(settings, case)
        volumes = {name: read_volume(path) for name, path in files.images.items()}
        by_path = {path: volumes[name] for name, path in files.images.items()}
        grid = by_path.get(files.grid_file) or read_volume(files.grid_file)
        warnings = [f"channel {name}: {note}" for name, volume in volumes.items() for note in volume.warnings]
        mask, mask_notes = self._read_masks(files.mask, grid.image, files.grid_file)
        grid_name = next((name for name, path in files.images.items() if path == files.grid_file),
                         files.grid_file.name if self.keep_file_names else "the reference image")
        channels, resample_notes = onto_reference({n: v.image for n, v in volumes.items()}, grid.image, grid_name)
        extra = self.labels(settings, case, files, mask)
        warnings += mask_notes + resample_notes + extra.warnings
        image = join_channels(list(channels.values()))
        meta = self._meta(case_id or case, salt, grid.image, mask, list(channels), files, grid.planar, warnings,
                          extra)
        meta["modality"] = self.modality_of(settings)  # keeps the key order of docs/file-formats.md
        meta["provenance"] = provenance({"stage": "ingest", "kind": self.kind, "source": dict(source),
                                         "salted": bool(salt)}, case_id=case)
        write_image(image, out_image)
        write_image(mask, out_mask)
        write_json(out_meta, meta)
        return meta

    # ---- what a recipe implements

    @abstractmethod
    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        """Case ids of the parsed source."""

    @abstractmethod
    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        """The raw files of ``case``.

        Raises:
            FileNotFoundError: naming the missing file or folder.
        """

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        """Labels beyond ``has_lesion`` (read from the dataset's tables); none by default."""
        return CaseLabels()

    def modality_of(self, settings: dict[str, Any]) -> str:
        """The modality written to ``meta["modality"]`` (the recipe's own by default)."""
        return self.modality

    # ---- shared helpers

    def parse_source(self, source: Mapping[str, Any]) -> dict[str, Any]:
        """Check the source keys and fill defaults (subclasses then convert paths).

        Raises:
            DatasetError: unknown key, missing required key, or another kind.
        """
        if not isinstance(source, Mapping):
            raise DatasetError(f"{self.kind} source must be a mapping, got {type(source).__name__}")
        if source.get("kind", self.kind) != self.kind:
            raise DatasetError(f"source kind {source.get('kind')!r} given to the {self.kind!r} recipe")
        unknown = sorted(set(source) - set(self.source_keys) - {"kind"})
        if unknown:
            raise DatasetError(f"{self.kind} source: unknown key(s) {unknown}; valid keys are "
                               f"{sorted(set(self.source_keys) | {'kind'})}")
        settings: dict[str, Any] = {}
        for key, default in self.source_keys.items():
            if key not in source and default is ...:
                raise DatasetError(f"{self.kind} source: missing key {key!r}")
            settings[key] = source.get(key, default)
        return settings

    def _read_masks(self, paths: list[Path], image: sitk.Image, image_path: Path) -> tuple[sitk.Image, list[str]]:
        """Read the mask(s), check each is on the image grid, unite several."""
        union: np.ndarray | None = None
        notes: list[str] = []
        for path in paths:
            mask, warnings = read_mask_volume(path)
            check_on_grid(mask, image, path, image_path)
            notes += [f"mask: {note}" for note in warnings]
            array = sitk.GetArrayFromImage(mask)
            union = array if union is None else np.maximum(union, array)
        if len(paths) > 1:
            names = f": {[p.name for p in paths]}" if self.keep_file_names else ""
            notes.append(f"{len(paths)} mask files united{names}")
        out = sitk.GetImageFromArray(union.astype(np.uint8))
        out.CopyInformation(image)
        return out, notes

    def _meta(self, case: str, salt: str, image: sitk.Image, mask: sitk.Image, channels: list[str],
              files: CaseFiles, planar: bool, warnings: list[str], extra: CaseLabels) -> dict[str, Any]:
        voxels = int(np.count_nonzero(sitk.GetArrayViewFromImage(mask)))
        labels: dict[str, Any] = {"has_lesion": voxels > 0}
        if not planar:
            labels["lesion_volume_ml"] = round(voxels * float(np.prod(image.GetSpacing())) / 1000.0, 4)
        labels.update(extra.labels)
        source: dict[str, Any] = {"kind": self.kind, "channels": channels, "mask_voxels": voxels}
        if self.keep_file_names:
            source["files"] = {"images": {n: p.name for n, p in files.images.items()},
                               "mask": [p.name for p in files.mask],
                               **{role: p.name for role, p in files.extra.items()}}
        direction = tuple(float(v) for v in image.GetDirection())
        return {
            "case_id": case,
            "pseudonym": pseudonymise(case, salt),
            "source": source,
            "size": list(image.GetSize()),
            "spacing": [float(s) for s in image.GetSpacing()],
            "origin": [float(o) for o in image.GetOrigin()],
            "direction": list(direction),
            "orientation": sitk.DICOMOrientImageFilter.GetOrientationFromDirectionCosines(direction),
            "modality": self.modality,
            "channels": channels,
            "spatial_units": "pixel" if planar else "mm",
            "warnings": warnings,
            "labels": labels,
        }


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that orders ``"2"`` before ``"10"`` (digit runs compared as numbers)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def require_dir(path: Path, what: str) -> Path:
    """``path`` if it is a folder, else ``FileNotFoundError`` naming it and what it should hold."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: folder not found ({what})")
    return path


def require_file(path: Path, what: str) -> Path:
    """``path`` if it is a file, else ``FileNotFoundError`` naming it and what it should be."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: file not found ({what})")
    return path
