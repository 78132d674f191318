"""The dataset's preprocessing QC table ``{R}/qc/preprocess.tsv``: one row per case.

Read from the ``preprocess`` section that :func:`lesionbench.preprocess.preprocess_case` adds to
``meta/{case}.json``: how much reference lesion preprocessing kept and lost (skull stripping
outside the brain mask, the brain crop), the crop box and every warning of the case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from lesionbench.io import atomic_path
from lesionbench.typing import PathLike

#: Columns of ``qc/preprocess.tsv``.
QC_COLUMNS = (
    "case_id", "reference_ml", "kept_ml", "lost_ml", "outside_brain_ml", "outside_crop_ml", "lost_voxels",
    "crop_start_zyx", "crop_stop_zyx", "brain_dilation_mm", "warnings",
)


def preprocess_qc_table(meta_paths: Iterable[PathLike]) -> pd.DataFrame:
    """One row per case (sorted by case id) from the cases' ``meta/{case}.json``.

    Raises:
        FileNotFoundError: a file is missing. ValueError: naming a file without a ``preprocess`` section.
    """
    rows = []
    for path in meta_paths:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: metadata not found")
        meta = json.loads(path.read_text(encoding="utf-8"))
        report = meta.get("preprocess")
        if not isinstance(report, dict) or "lesion" not in report:
            raise ValueError(f"{path}: has no preprocess section (written by `lesionbench preprocess --meta-out`)")
        lesion = report["lesion"]
        rows.append({
            "case_id": meta.get("case_id", path.stem),
            **{key: lesion[key] for key in ("reference_ml", "kept_ml", "lost_ml", "outside_brain_ml",
                                            "outside_crop_ml", "lost_voxels")},
            "crop_start_zyx": ",".join(str(v) for v in report["crop_start_zyx"]),
            "crop_stop_zyx": ",".join(str(v) for v in report["crop_stop_zyx"]),
            "brain_dilation_mm": report.get("brain_dilation_mm", 0.0),
            "warnings": " | ".join(meta.get("warnings", [])),
        })
    frame = pd.DataFrame(rows, columns=list(QC_COLUMNS))
    return frame.sort_values("case_id", kind="stable").reset_index(drop=True)


def write_preprocess_qc(meta_paths: Iterable[PathLike], out_tsv: PathLike) -> pd.DataFrame:
    """Write :func:`preprocess_qc_table` as TSV, atomically."""
    frame = preprocess_qc_table(meta_paths)
    with atomic_path(out_tsv, suffix=".tsv") as tmp:
        frame.to_csv(tmp, sep="\t", index=False)
    return frame
