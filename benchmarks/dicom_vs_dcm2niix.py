"""How far ingest's DICOM conversion is from dcm2niix's, and how long each takes.

For every series folder under DATA (default: shared/data/head_ct_dicom beside the checkout)
this converts the series with :func:`lesionbench.ingest.dicom_to_image` and with dcm2niix
(``-z n``; for tilted series its ``_Tilt_1`` / ``_Tilt_Eq_1`` output, the tilt-corrected one),
and prints, per series: the output size, whether both sample the same world points, the
largest corner distance (mm), the value differences (HU) over all voxels and away from
PixelPaddingValue pixels (2 voxels from anything below -1030 HU in dcm2niix's output, which
dcm2niix does not blend into its neighbours), and the best wall time of each converter
(dcm2niix: the whole process, and the "Conversion required" time it reports).

Usage::

    python benchmarks/dicom_vs_dcm2niix.py [DATA] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import scipy.ndimage as ndi

from lesionbench.ingest import IngestSettings, dicom_to_image
from lesionbench.ingest.compare import compare_to_nifti, reference_on_our_grid

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "head_ct_dicom"


def run_dcm2niix(folder: Path, out: Path) -> tuple[float, float, Path]:
    """``(process seconds, reported core seconds, tilt-corrected-if-any NIfTI)``."""
    for old in out.glob("*"):
        old.unlink()
    start = time.perf_counter()
    done = subprocess.run([shutil.which("dcm2niix") or "dcm2niix", "-z", "n", "-f", "out", "-o", str(out),
                           str(folder)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    match = re.search(r"Conversion required ([0-9.]+) seconds", done.stdout)
    candidates = sorted(out.glob("out*.nii"), key=lambda p: ("Tilt" not in p.name, p.name))
    return seconds, float(match.group(1)) if match else float("nan"), candidates[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="folder of series folders")
    parser.add_argument("--repeat", type=int, default=3, help="timing repeats (best is reported)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"{args.data}: no such folder", file=sys.stderr)
        return 2
    series = sorted(p for p in args.data.iterdir() if p.is_dir())
    print(f"{'series':26} {'size':>14} {'grid':>5} {'corner mm':>9} {'max|d| HU':>10} {'mean|d|':>8} "
          f"{'<=1HU':>7} {'max|d| away':>11} {'ours s':>7} {'dcm2niix s':>10} {'(core s)':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for folder in series:
            ours_s = min(_timed(dicom_to_image, folder)[0] for _ in range(args.repeat))
            image = dicom_to_image(folder, IngestSettings(padding_hu=None))[0]  # padding kept, like dcm2niix
            runs = [run_dcm2niix(folder, out) for _ in range(args.repeat)]
            reference_path = runs[-1][2]
            everywhere = compare_to_nifti(image, reference_path)
            theirs = reference_on_our_grid(image, nib.load(str(reference_path)))
            near_padding = None if theirs is None else ndi.binary_dilation(
                theirs < -1030, structure=np.ones((3, 3, 3)), iterations=2)
            away = compare_to_nifti(image, reference_path, exclude=near_padding)
            size = "x".join(str(v) for v in image.GetSize())
            print(f"{folder.name:26} {size:>14} {'same' if everywhere.same_grid else 'DIFF':>5} "
                  f"{everywhere.corner_distance_mm:9.4f} {everywhere.max_abs_hu:10.2f} {everywhere.mean_abs_hu:8.3f} "
                  f"{everywhere.within_1hu:7.4f} {away.max_abs_hu:11.2f} {ours_s:7.3f} "
                  f"{min(r[0] for r in runs):10.3f} {min(r[1] for r in runs):8.3f}")
    return 0


def _timed(call, *args):
    start = time.perf_counter()
    result = call(*args)
    return time.perf_counter() - start, result


if __name__ == "__main__":
    raise SystemExit(main())
