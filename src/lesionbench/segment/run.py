"""Segment every scan of INPUT into OUTPUT: per-case outputs, ``volumes.tsv``, failures reported."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from lesionbench.bundle import Bundle
from lesionbench.io import atomic_path
from lesionbench.segment.inputs import ScanInput, SegmentInputError, find_scans
from lesionbench.segment.pipeline import (
    STAGES,
    VOLUME_COLUMNS,
    SegmentResult,
    load_models,
    segment_scan,
)
from lesionbench.typing import PathLike

log = logging.getLogger(__name__)

#: The table of ``lesionbench segment``: one row per segmented scan.
VOLUMES_TSV = "volumes.tsv"


@dataclass
class SegmentRun:
    """What a run did: the finished cases and the failed ones with their messages."""

    results: list[SegmentResult] = field(default_factory=list)
    failures: list[tuple[ScanInput, str]] = field(default_factory=list)
    table: Path | None = None


def segment_all(input_path: PathLike, out_dir: PathLike, bundle: Bundle, *, folds: str | Sequence[int] | None = None,
                device: str = "auto", tta: str | None = None, batch_size: int | None = None,
                save_probabilities: bool | None = None, dicom_seg: bool = True, progress: bool = True,
                cases: Sequence[str] | None = None) -> SegmentRun:
    """Segment every scan found in ``input_path`` (:func:`find_scans`) into ``out_dir``.

    ``cases`` restricts the run to the named scans of ``input_path`` (the workflow segments one
    case per job this way).

    A scan that fails (unreadable, not an image, a truncated DICOM, a 4D image for a
    one-channel model) is reported with one line naming it and the problem; the other scans go
    on. ``volumes.tsv`` (:data:`VOLUME_COLUMNS`) lists the finished scans, written last.

    Raises:
        FileNotFoundError, SegmentInputError: INPUT missing or holding no scan.
        BundleError: a chosen fold missing from the bundle.
    """
    scans = select_scans(find_scans(input_path), cases, input_path)
    ensemble = load_models(bundle, folds, device)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = SegmentRun()
    bar = tqdm(scans, desc="segment", unit="scan", disable=not progress, file=sys.stderr)
    for scan in bar:
        bar.set_postfix_str(scan.name)
        try:
            result = segment_scan(scan, bundle, ensemble, out_dir, tta=tta, batch_size=batch_size,
                                  save_probabilities=save_probabilities, dicom_seg=dicom_seg, progress=progress)
        except (ValueError, FileNotFoundError, RuntimeError) as error:
            message = str(error)
            run.failures.append((scan, message))
            tqdm.write(f"lesionbench segment: error: {scan.name}: {message}", file=sys.stderr)
            continue
        run.results.append(result)
        log.info("%s: %.2f mL in %d component(s), %s", scan.name, result.row["volume_ml"], result.row["components"],
                 ", ".join(f"{stage} {result.timings.get(stage, 0.0):.2f} s" for stage in STAGES))
    run.table = write_volumes(out_dir / VOLUMES_TSV, run.results)
    return run


def select_scans(scans: Sequence[ScanInput], names: Sequence[str] | None, input_path: PathLike) -> list[ScanInput]:
    """The scans called ``names`` (all when ``None``), in their order.

    Raises:
        SegmentInputError: a name that ``input_path`` does not hold, listing the ones it does.
    """
    if names is None:
        return list(scans)
    by_name = {scan.name: scan for scan in scans}
    missing = [name for name in names if name not in by_name]
    if missing:
        raise SegmentInputError(f"{input_path}: no scan named {missing} (found: {', '.join(by_name)})")
    return [by_name[name] for name in dict.fromkeys(names)]


def gather_volumes(tables: Sequence[PathLike], out: PathLike) -> Path:
    """Concatenate ``volumes.tsv`` tables (one per case folder of the workflow) into ``out``.

    Raises:
        ValueError: naming a table whose columns are not :data:`VOLUME_COLUMNS`.
    """
    frames = []
    for table in tables:
        frame = pd.read_csv(table, sep="\t")
        if list(frame.columns) != list(VOLUME_COLUMNS):
            raise ValueError(f"{table}: columns {list(frame.columns)}, expected {list(VOLUME_COLUMNS)}")
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(VOLUME_COLUMNS))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out, suffix=".tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    return out


def write_volumes(path: Path, results: Sequence[SegmentResult]) -> Path:
    """``volumes.tsv``: one row per finished scan (:data:`VOLUME_COLUMNS`), written atomically."""
    table = pd.DataFrame([result.row for result in results], columns=list(VOLUME_COLUMNS))
    with atomic_path(path, suffix=".tsv") as tmp:
        table.to_csv(tmp, sep="\t", index=False)
    return path
