"""PhysioNet CT-ICH (Hssayeni 2020): head CT volumes with hemorrhage masks and per-slice types.

Layout (users download it themselves; it is under a credentialed licence)::

    {root}/ct_scans/NNN.nii          head CT in HU
    {root}/masks/NNN.nii             hemorrhage mask on the same grid (empty if no hemorrhage)
    {root}/hemorrhage_diagnosis_raw_ct.csv
        PatientNumber, SliceNumber, Intraventricular, Intraparenchymal, Subarachnoid,
        Epidural, Subdural, No_Hemorrhage, Fracture_Yes_No       (one row per slice, 0/1)

A case is a scan with its mask; its id is the file's patient number (``049``), the dataset's
own public id. Every scan is a case, lesion-free ones included. Labels per case: the mask's
``has_lesion``; from the CSV ``any_hemorrhage`` (a slice with ``No_Hemorrhage = 0``), each
type (a slice with that type), ``fracture``, ``hemorrhage_slices`` and ``lesion_class``
(``none``, the single type present, or ``multiple``) for stratified folds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import SimpleITK as sitk

from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe, natural_key, require_dir, require_file

#: CSV column -> label name.
TYPE_COLUMNS = {
    "Intraventricular": "intraventricular",
    "Intraparenchymal": "intraparenchymal",
    "Subarachnoid": "subarachnoid",
    "Epidural": "epidural",
    "Subdural": "subdural",
}
CSV_COLUMNS = ("PatientNumber", "SliceNumber", *TYPE_COLUMNS, "No_Hemorrhage", "Fracture_Yes_No")
SCAN_SUFFIXES = (".nii.gz", ".nii")


class CtIch(Recipe):
    """CT-ICH recipe; source ``{kind: ct_ich, root: PATH, csv: hemorrhage_diagnosis_raw_ct.csv}``."""

    kind = "ct_ich"
    modality = "CT"
    source_keys = {"root": ..., "csv": "hemorrhage_diagnosis_raw_ct.csv"}
    source_docs = {"root": "folder of the PhysioNet CT-ICH release (ct_scans/, masks/)",
                   "csv": "the per-slice diagnosis table, relative to root"}

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        settings["root"] = Path(settings["root"])
        settings["csv"] = settings["root"] / settings["csv"]
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        root = settings["root"]
        scans = _numbered(require_dir(root / "ct_scans", "CT-ICH ct_scans/NNN.nii"))
        masks = _numbered(require_dir(root / "masks", "CT-ICH masks/NNN.nii"))
        if not scans:
            raise DatasetError(f"{root / 'ct_scans'}: no NNN.nii scan found")
        missing = sorted(set(scans) - set(masks), key=natural_key)
        if missing:
            raise DatasetError(f"{root / 'masks'}: no mask for scan(s) {missing[:10]}"
                               + (f" and {len(missing) - 10} more" if len(missing) > 10 else ""))
        return sorted(scans, key=natural_key)

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        root = settings["root"]
        scan = _numbered(require_dir(root / "ct_scans", "CT-ICH scans")).get(case)
        mask = _numbered(require_dir(root / "masks", "CT-ICH masks")).get(case)
        if scan is None:
            raise FileNotFoundError(f"{root / 'ct_scans'}: no scan {case}.nii")
        if mask is None:
            raise FileNotFoundError(f"{root / 'masks'}: no mask {case}.nii")
        csv = require_file(settings["csv"], "CT-ICH per-slice diagnosis table")
        return CaseFiles(images={"ct": scan}, mask=[mask], extra={"labels": csv})

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        csv = files.extra["labels"]
        table = read_diagnosis(csv)
        rows = table[table["PatientNumber"] == int(case)]
        if rows.empty:
            raise DatasetError(f"{csv}: no row for PatientNumber {int(case)} (scan {case})")
        return case_labels(rows, csv, case, mask)


def case_labels(rows: pd.DataFrame, csv: Path, case: str, mask: sitk.Image) -> CaseLabels:
    """Per-case labels from the CSV rows of one patient, with consistency warnings."""
    bleeding = rows["No_Hemorrhage"] == 0
    types = [label for column, label in TYPE_COLUMNS.items() if bool((rows[column] == 1).any())]
    labels: dict[str, Any] = {
        "any_hemorrhage": bool(bleeding.any()),
        **{label: label in types for label in TYPE_COLUMNS.values()},
        "fracture": bool((rows["Fracture_Yes_No"] == 1).any()),
        "hemorrhage_slices": int(bleeding.sum()),
        "lesion_class": "none" if not types else types[0] if len(types) == 1 else "multiple",
    }
    warnings = []
    depth = mask.GetSize()[2]
    if len(rows) != depth or sorted(rows["SliceNumber"]) != list(range(1, depth + 1)):
        warnings.append(f"{csv.name}: patient {int(case)} has {len(rows)} slice row(s) "
                        f"(SliceNumber {int(rows['SliceNumber'].min())}..{int(rows['SliceNumber'].max())}) "
                        f"for a {depth}-slice scan")
    has_lesion = bool(np.any(sitk.GetArrayViewFromImage(mask)))
    if has_lesion != labels["any_hemorrhage"]:
        warnings.append(f"{csv.name}: any_hemorrhage is {labels['any_hemorrhage']} but the mask "
                        f"{'has' if has_lesion else 'has no'} lesion voxels")
    return CaseLabels(labels=labels, warnings=warnings)


def read_diagnosis(path: Path) -> pd.DataFrame:
    """The per-slice diagnosis CSV, checked: every column present, integers, flags 0/1.

    Raises:
        DatasetError: naming the file, the column and the first bad row.
    """
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as error:
        raise DatasetError(f"{path}: cannot be read as CSV ({error})") from error
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in CSV_COLUMNS if c not in table.columns]
    if missing:
        raise DatasetError(f"{path}: missing column(s) {missing}; found {list(table.columns)}")
    for column in CSV_COLUMNS:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() | (values != values.round())
        if column not in ("PatientNumber", "SliceNumber"):
            bad |= ~values.isin([0, 1])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            expected = "an integer" if column in ("PatientNumber", "SliceNumber") else "0 or 1"
            raise DatasetError(f"{path}: line {row + 2}, column {column}: {str(table[column].iloc[row])!r} "
                               f"is not {expected}")
        table[column] = values.astype(np.int64)
    return table


def _numbered(folder: Path) -> dict[str, Path]:
    """``{"049": folder/049.nii, ...}`` for files named by a number."""
    out = {}
    for path in folder.iterdir():
        stem = next((path.name[: -len(s)] for s in SCAN_SUFFIXES if path.name.endswith(s)), None)
        if stem is not None and stem.isdigit() and path.is_file():
            out[stem] = path
    return out
