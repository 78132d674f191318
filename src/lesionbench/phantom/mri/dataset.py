"""A whole T1 MRI phantom dataset, its sample sheet and its truth table.

``samples.tsv`` has exactly the columns the ``sample_sheet`` recipe
(:mod:`lesionbench.datasets.sample_sheet`) reads: ``case_id``, ``image``, ``mask`` and ``label``
(the case's lesion kinds: ``cortical``, ``subcortical``, ``mixed`` or ``none``), so
``source: {kind: sample_sheet, sheet: .../samples.tsv, modality: MR}`` ingests the dataset
as it is. ``truth.tsv`` holds the rest of the truth (brain mask, lesion counts, volumes and
slices) for analyses; the recipe never reads it.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from lesionbench.io import write_text
from lesionbench.phantom.dataset import case_jsons, read_truth_json
from lesionbench.phantom.mri.case import MriCaseTruth, case_paths, generate_case
from lesionbench.phantom.mri.settings import MriPhantomSettings
from lesionbench.typing import PathLike

#: Columns of ``samples.tsv`` (the ``sample_sheet`` recipe's); paths relative to the TSV.
SAMPLE_SHEET_COLUMNS = ("case_id", "image", "mask", "label")
#: Columns of ``truth.tsv``.
TRUTH_COLUMNS = ("case_id", "cohort", "brain_mask", "n_lesions", "lesion_volume_ml", "lesion_kinds",
                 "lesion_sites", "slices_with_lesion", "slices_with_brain")
_TRUTH_KEYS = ("case_id", "cohort", "n_lesions", "lesion_volume_ml", "lesion_kinds", "lesion_sites",
               "slices_with_lesion", "slices_with_brain")


def generate_dataset(out_dir: PathLike, settings: MriPhantomSettings) -> list[MriCaseTruth]:
    """Write cases ``0 .. settings.cases - 1`` under ``out_dir``, then ``samples.tsv`` and ``truth.tsv``."""
    out_dir = Path(out_dir)
    truths = [generate_case(out_dir, index, settings) for index in range(settings.cases)]
    write_sample_sheet(out_dir / "cases", out_dir / "samples.tsv", out_dir / "truth.tsv")
    return truths


def case_label(kinds: Iterable[str]) -> str:
    """``cortical``, ``subcortical``, ``mixed`` (both) or ``none``, from a case's lesion kinds."""
    found = set(kinds)
    if not found:
        return "none"
    return found.pop() if len(found) == 1 else "mixed"


def write_sample_sheet(cases: PathLike | Iterable[PathLike], out_tsv: PathLike,
                       truth_tsv: PathLike | None = None) -> None:
    """Write the sample sheet (and optionally the truth table) of MRI phantom cases.

    Args:
        cases: a ``cases/`` folder of truth JSONs, or the JSON paths. A JSON at
            ``ROOT/cases/{case}.json`` has its image at ``ROOT/images/{case}.nii.gz`` and masks at
            ``ROOT/masks/{case}.nii.gz`` and ``ROOT/brain/{case}.nii.gz``.
        out_tsv: the sample sheet (:data:`SAMPLE_SHEET_COLUMNS`, sorted by case id, paths
            relative to its folder).
        truth_tsv: where to write :data:`TRUTH_COLUMNS` (paths relative to its folder); ``None``: not.

    Raises:
        FileNotFoundError: naming a missing folder, case JSON or image.
        ValueError: naming a JSON that is not valid or lacks a truth field.
    """
    json_paths = case_jsons(cases)
    records = sorted((_read(path) for path in json_paths), key=lambda item: item[1]["case_id"])
    _write_tsv(out_tsv, SAMPLE_SHEET_COLUMNS, [_sheet_row(paths, truth, Path(out_tsv)) for paths, truth in records])
    if truth_tsv is not None:
        _write_tsv(truth_tsv, TRUTH_COLUMNS, [_truth_row(paths, truth, Path(truth_tsv)) for paths, truth in records])


def _read(json_path: Path) -> tuple[dict[str, Path], dict]:
    truth = read_truth_json(json_path, _TRUTH_KEYS)
    paths = case_paths(json_path.resolve().parent.parent, truth["case_id"])
    for key in ("image", "mask", "brain"):
        if not paths[key].is_file():
            raise FileNotFoundError(f"{paths[key]}: missing for case {truth['case_id']} ({json_path})")
    return paths, truth


def _relative(path: Path, tsv: Path) -> str:
    return os.path.relpath(path, tsv.parent.resolve())


def _sheet_row(paths: dict[str, Path], truth: dict, tsv: Path) -> dict[str, str]:
    return {"case_id": truth["case_id"], "image": _relative(paths["image"], tsv),
            "mask": _relative(paths["mask"], tsv), "label": case_label(truth["lesion_kinds"])}


def _truth_row(paths: dict[str, Path], truth: dict, tsv: Path) -> dict[str, str]:
    return {"case_id": truth["case_id"], "cohort": truth["cohort"], "brain_mask": _relative(paths["brain"], tsv),
            "n_lesions": str(int(truth["n_lesions"])), "lesion_volume_ml": f"{float(truth['lesion_volume_ml']):.4f}",
            "lesion_kinds": ",".join(truth["lesion_kinds"]), "lesion_sites": ",".join(truth["lesion_sites"]),
            "slices_with_lesion": str(int(truth["slices_with_lesion"])),
            "slices_with_brain": str(int(truth["slices_with_brain"]))}


def _write_tsv(path: PathLike, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, buffer.getvalue())
