"""Time the CT brain mask on one core against its 2 s goal and a plain SimpleITK baseline.

The volume is a 512 x 512 x 30 phantom head CT (``lesionbench.phantom``, case 0 of seed 0,
HU as ingest reads them) unless ``--image`` names a NIfTI. Every library is held to one
thread. Printed: the best and median wall time and CPU time of
:func:`lesionbench.brainmask.ct_brain_mask` over ``--repeat`` runs, the ratio to the 2 s goal,
and the ratio to SimpleITK's plain threshold + connected-components baseline (tissue HU
range, largest 26-connected component: what the mask refines with morphology).

Usage::

    python benchmarks/brain_mask_speed.py [--image CT.nii.gz] [--repeat 5] [--check]

``--check`` exits 1 when the best time is over the goal.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"):
    os.environ[_variable] = "1"

import argparse
import statistics
import time

import numpy as np
import SimpleITK as sitk

from lesionbench.brainmask import BrainMaskSettings, ct_brain_mask

GOAL_S = 2.0


def phantom_ct(matrix: int = 512, slices: int = 30) -> sitk.Image:
    """Case 0 of the phantom (seed 0) at ``matrix`` x ``matrix`` x ``slices``, HU as float32."""
    from lesionbench.phantom import PhantomSettings, render_case

    case = render_case(0, PhantomSettings.from_dict({"cases": 1, "seed": 0, "matrix": matrix, "slices": slices}))
    image = sitk.GetImageFromArray(np.rint(case.hu).astype(np.float32))
    image.SetSpacing(case.grid.spacing)
    image.SetOrigin(case.grid.origin)
    return image


def baseline(image: sitk.Image, settings: BrainMaskSettings) -> sitk.Image:
    """SimpleITK's plain mask: tissue HU range, largest connected component."""
    low, high = settings.tissue_hu
    tissue = sitk.BinaryThreshold(image, low, high, 1, 0)
    components = sitk.RelabelComponent(sitk.ConnectedComponent(tissue), sortByObjectSize=True)
    return sitk.Equal(components, 1)


def timings(call, repeat: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(repeat):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", help="head CT NIfTI in HU (default: a 512 x 512 x 30 phantom)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 if the best time exceeds the goal")
    args = parser.parse_args(argv)
    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)
    image = sitk.ReadImage(args.image, sitk.sitkFloat32) if args.image else phantom_ct()
    settings = BrainMaskSettings()
    ct_brain_mask(image, settings)  # warm-up (imports, caches)
    wall, cpu = timings(lambda: ct_brain_mask(image, settings), args.repeat)
    base_wall, base_cpu = timings(lambda: baseline(image, settings), args.repeat)
    mask = sitk.GetArrayFromImage(ct_brain_mask(image, settings))
    spacing = image.GetSpacing()
    print(f"volume {'x'.join(map(str, image.GetSize()))} voxels, spacing {tuple(round(s, 3) for s in spacing)} mm, "
          f"brain mask {mask.sum() * np.prod(spacing) / 1000:.0f} mL")
    print(f"ct_brain_mask: best {min(wall):.3f} s, median {statistics.median(wall):.3f} s wall; "
          f"best {min(cpu):.3f} s CPU (one thread, {args.repeat} runs)")
    print(f"baseline (SimpleITK threshold + connected components): best {min(base_wall):.3f} s wall, "
          f"{min(base_cpu):.3f} s CPU")
    print(f"ratio to the {GOAL_S:g} s goal: {min(wall) / GOAL_S:.2f} (wall), {min(cpu) / GOAL_S:.2f} (CPU); "
          f"ratio to the baseline: {min(wall) / min(base_wall):.1f}x")
    return 1 if args.check and min(wall) > GOAL_S else 0


if __name__ == "__main__":
    raise SystemExit(main())
