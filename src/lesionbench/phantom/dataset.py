"""A whole phantom dataset and its sample sheet (docs/file-formats.md, "Phantom")."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from lesionbench.io import write_text
from lesionbench.phantom.case import CaseTruth, case_paths, generate_case
from lesionbench.phantom.settings import PhantomSettings
from lesionbench.typing import PathLike

#: Columns of ``samples.tsv``; paths are relative to the TSV's folder.
SAMPLE_SHEET_COLUMNS = (
    "case_id", "dicom_dir", "mask", "brain_mask", "has_lesion", "lesion_class", "near_skull",
    "irregular", "intraventricular", "lesion_volume_ml",
)
_TRUTH_KEYS = ("case_id", "has_lesion", "lesion_class", "near_skull", "irregular", "intraventricular",
               "lesion_volume_ml")


def generate_dataset(out_dir: PathLike, settings: PhantomSettings) -> list[CaseTruth]:
    """Write every case ``0 .. settings.cases - 1`` under ``out_dir`` plus ``out_dir/samples.tsv``."""
    out_dir = Path(out_dir)
    truths = [generate_case(out_dir, index, settings) for index in range(settings.cases)]
    write_sample_sheet(out_dir / "cases", out_dir / "samples.tsv")
    return truths


def write_sample_sheet(cases: PathLike | Iterable[PathLike], out_tsv: PathLike) -> None:
    """Write the sample sheet of phantom cases.

    Args:
        cases: a ``cases/`` folder of truth JSONs, or the JSON paths themselves. Each JSON at
            ``ROOT/cases/{case}.json`` has its series at ``ROOT/dicom/{case}`` and masks at
            ``ROOT/masks/{case}.nii.gz`` and ``ROOT/brain/{case}.nii.gz``.
        out_tsv: the TSV to write (columns :data:`SAMPLE_SHEET_COLUMNS`, one row per case,
            sorted by case id; paths relative to the TSV's folder).

    Raises:
        FileNotFoundError: naming a missing case file or series folder.
        ValueError: naming a JSON that lacks a truth field.
    """
    json_paths = case_jsons(cases)
    out_tsv = Path(out_tsv)
    base = out_tsv.parent.resolve()
    rows = [_row(path, base) for path in json_paths]
    rows.sort(key=lambda row: row["case_id"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SAMPLE_SHEET_COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(out_tsv, buffer.getvalue())


def case_jsons(cases: PathLike | Iterable[PathLike]) -> list[Path]:
    """The truth JSONs of a ``cases/`` folder (sorted), or the given JSON paths sorted.

    Raises:
        FileNotFoundError: a folder that does not exist or holds no JSON.
    """
    if not isinstance(cases, (str, os.PathLike)):
        return sorted(Path(p) for p in cases)
    folder = Path(cases)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of case JSONs")
    json_paths = sorted(folder.glob("*.json"))
    if not json_paths:
        raise FileNotFoundError(f"{folder}: holds no case JSON")
    return json_paths


def read_truth_json(json_path: Path, required: Iterable[str]) -> dict:
    """A phantom case's truth JSON (CT or MRI phantom), with the ``required`` keys checked.

    Raises:
        FileNotFoundError: naming a missing file.
        ValueError: naming a file that is not JSON or lacks a key.
    """
    if not json_path.is_file():
        raise FileNotFoundError(f"{json_path}: case JSON not found")
    try:
        truth = json.loads(json_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{json_path}: not valid JSON ({error})") from error
    missing = [key for key in required if key not in truth]
    if missing:
        raise ValueError(f"{json_path}: case JSON lacks {missing}")
    return truth


def _row(json_path: Path, base: Path) -> dict[str, str]:
    truth = read_truth_json(json_path, _TRUTH_KEYS)
    paths = case_paths(json_path.resolve().parent.parent, truth["case_id"])
    for key in ("dicom", "mask", "brain"):
        if not paths[key].exists():
            raise FileNotFoundError(f"{paths[key]}: missing for case {truth['case_id']} ({json_path})")
    return {
        "case_id": truth["case_id"],
        "dicom_dir": os.path.relpath(paths["dicom"], base),
        "mask": os.path.relpath(paths["mask"], base),
        "brain_mask": os.path.relpath(paths["brain"], base),
        "has_lesion": str(bool(truth["has_lesion"])),
        "lesion_class": truth["lesion_class"],
        "near_skull": str(bool(truth["near_skull"])),
        "irregular": str(bool(truth["irregular"])),
        "intraventricular": str(bool(truth["intraventricular"])),
        "lesion_volume_ml": f"{float(truth['lesion_volume_ml']):.4f}",
    }
