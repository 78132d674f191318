"""A generic sample sheet (TSV) for any other dataset: one row per case.

Columns (``workflow/schemas/sample_sheet.schema.yaml`` says the same for Snakemake's
``validate``; this module checks it again with messages naming the sheet, line and column):

``case_id`` (optional)
    the case id (``[A-Za-z0-9_.-]+``), kept as given. Without this column each case gets a
    pseudonym, ``c`` + 12 hex digits of the salted SHA-256 (HMAC, source key ``id_salt``)
    of its first image path, so identifying file names never become ids.
``image`` or ``image_<name>`` (one or more)
    image files (any SimpleITK format; 2D slices become one-slice volumes); several columns
    are channels in column order, the first is the reference grid and the others are
    resampled onto it.
``mask``
    reference lesion mask on the first image's grid.
``label``, ``group`` (optional)
    stored as ``meta["labels"]["label"]`` / ``["group"]`` (the group is the patient a case
    belongs to, for patient-level folds); an empty cell means none.

Relative paths are relative to the sheet's folder. File names never reach the metadata.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import SimpleITK as sitk

from lesionbench.datasets.base import CASE_ID_PATTERN, CaseFiles, CaseLabels, DatasetError, Recipe
from lesionbench.ingest.pseudonym import pseudonymise

IMAGE_COLUMN = re.compile(r"^image(_[A-Za-z0-9]+)?$")
OPTIONAL_COLUMNS = ("case_id", "label", "group")


@dataclass(frozen=True)
class SheetRow:
    """One validated row: absolute paths, channel names, optional label and group."""

    case_id: str
    images: dict[str, Path]
    mask: Path
    label: str | None
    group: str | None
    line: int


def read_sheet(path: str | Path, id_salt: str = "") -> dict[str, SheetRow]:
    """Read and validate a sample sheet; rows by case id, in sheet order.

    Raises:
        FileNotFoundError: the sheet is missing, or a row names a file that does not exist
            (naming the sheet, line, column and file).
        DatasetError: naming the sheet, for bad columns, empty cells, bad or duplicate ids.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: sample sheet not found")
    # The workflow asks for every case's inputs while it parses: parse a sheet once per content.
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(_read_sheet_cached(str(path.resolve()), digest, id_salt))


@lru_cache(maxsize=8)
def _read_sheet_cached(path_text: str, digest: str, id_salt: str) -> tuple[tuple[str, SheetRow], ...]:
    path = Path(path_text)
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DatasetError(f"{path}: cannot be read as a tab-separated sample sheet ({error})") from error
    table.columns = [str(c).strip() for c in table.columns]
    image_columns = [c for c in table.columns if IMAGE_COLUMN.match(c)]
    unknown = [c for c in table.columns if c not in image_columns and c not in (*OPTIONAL_COLUMNS, "mask")]
    if unknown:
        raise DatasetError(f"{path}: unknown column(s) {unknown}; valid columns are case_id, image or "
                           f"image_<name> (one or more), mask, label, group")
    if not image_columns or "mask" not in table.columns:
        raise DatasetError(f"{path}: needs an image (or image_<name>) column and a mask column; "
                           f"found {list(table.columns)}")
    if "image" in image_columns and len(image_columns) > 1:
        raise DatasetError(f"{path}: mixes an 'image' column with {image_columns[1:]}: name every channel image_<name>")
    if table.empty:
        raise DatasetError(f"{path}: no rows")
    rows: dict[str, SheetRow] = {}
    for index, record in enumerate(table.to_dict("records")):
        row = _row(path, index + 2, {k: str(v).strip() for k, v in record.items()}, image_columns, id_salt)
        if row.case_id in rows:
            raise DatasetError(f"{path}: line {row.line}: case id {row.case_id!r} repeats line {rows[row.case_id].line}")
        rows[row.case_id] = row
    return tuple(rows.items())


def _row(sheet: Path, line: int, cells: dict[str, str], image_columns: list[str], id_salt: str) -> SheetRow:
    for column in (*image_columns, "mask"):
        if not cells[column]:
            raise DatasetError(f"{sheet}: line {line}: column {column} is empty")
    files = {}
    for column in (*image_columns, "mask"):
        file = Path(cells[column])
        file = file if file.is_absolute() else sheet.parent / file
        if not file.is_file():
            raise FileNotFoundError(f"{sheet}: line {line}, column {column}: file {file} does not exist")
        files[column] = file
    if "case_id" in cells:
        case_id = cells["case_id"]
        if not CASE_ID_PATTERN.match(case_id):
            raise DatasetError(f"{sheet}: line {line}: case_id {case_id!r} must match [A-Za-z0-9_.-]+")
    else:
        case_id = "c" + pseudonymise(cells[image_columns[0]], id_salt)[:12]
    images = {(column.removeprefix("image_") if column != "image" else "image"): files[column]
              for column in image_columns}
    return SheetRow(case_id, images, files["mask"], cells.get("label") or None, cells.get("group") or None, line)


class SampleSheet(Recipe):
    """Sample-sheet recipe; source ``{kind: sample_sheet, sheet: PATH, modality: CT, id_salt: ""}``."""

    kind = "sample_sheet"
    modality = "unknown"
    patient_label = "group"
    source_keys = {"sheet": ..., "modality": "unknown", "id_salt": ""}
    source_docs = {"sheet": "the CSV sample sheet (columns image or image_<channel>..., mask, optional case_id, label, group)",
                   "modality": "CT or MR (unknown: as read from the images)",
                   "id_salt": "salt of the pseudonymous case ids made from the image paths when there is no case_id column"}
    keep_file_names = False

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        return list(read_sheet(settings["sheet"], str(settings["id_salt"])))

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        row = self._row(settings, case)
        return CaseFiles(images=dict(row.images), mask=[row.mask])

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        row = self._row(settings, case)
        labels = {"label": row.label} if row.label is not None else {}
        # Always a group (empty: the case is a patient of its own), so `folds.group_by: group`,
        # the recipe's default, works whether or not the sheet has the column.
        labels["group"] = row.group or ""
        return CaseLabels(labels=labels)

    def modality_of(self, settings: dict[str, Any]) -> str:
        return str(settings["modality"])

    @staticmethod
    def _row(settings: dict[str, Any], case: str) -> SheetRow:
        rows = read_sheet(settings["sheet"], str(settings["id_salt"]))
        if case not in rows:
            raise DatasetError(f"{settings['sheet']}: no case {case!r} in the sample sheet")
        return rows[case]
