"""Quality-control picture of a brain mask: its outline over a few axial slices of the CT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk
from matplotlib.figure import Figure

from lesionbench.io import atomic_path
from lesionbench.typing import PathLike

#: Display window ``(level, width)`` HU of the QC picture: a subdural window that shows the
#: brain, CSF, blood and the inner table of the skull.
QC_WINDOW_HU = (60.0, 200.0)


def qc_path_for(mask_path: PathLike) -> Path:
    """Where the QC picture of a mask goes: ``brain/{case}.nii.gz`` -> ``brain/{case}_qc.png``."""
    path = Path(mask_path)
    name = path.name
    for suffix in (".nii.gz", ".nii", ".nrrd", ".mha", ".mhd"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return path.with_name(f"{name}_qc.png")


def pick_slices(mask_zyx: np.ndarray, count: int) -> list[int]:
    """``count`` axial slice indices spread evenly over the slices the mask covers.

    Args:
        mask_zyx: ``(Z, Y, X)`` mask.
        count: how many slices (fewer if the mask covers fewer).
    """
    covered = np.flatnonzero(mask_zyx.reshape(mask_zyx.shape[0], -1).any(axis=1))
    if covered.size == 0:
        return [mask_zyx.shape[0] // 2]
    picks = np.linspace(0, covered.size - 1, num=min(count, covered.size) + 2)[1:-1]
    return sorted({int(covered[round(p)]) for p in picks})


def write_qc_png(image: sitk.Image, mask: sitk.Image, out_path: PathLike, title: str = "", count: int = 6,
                 window: tuple[float, float] = QC_WINDOW_HU) -> list[int]:
    """Draw the mask outline (red) over ``count`` axial slices of the CT and write a PNG atomically.

    Args:
        image: the CT in HU, ``(X, Y, Z)``.
        mask: the brain mask on the same grid.
        out_path: PNG to write.
        title: figure title (e.g. the case id; never a DICOM identifying field).
        count: number of slices shown.
        window: ``(level, width)`` HU of the grey scale.

    Returns:
        The slice indices (z) shown.
    """
    hu = sitk.GetArrayViewFromImage(image)
    mask_zyx = sitk.GetArrayViewFromImage(mask).astype(bool)
    slices = pick_slices(mask_zyx, count)
    spacing = image.GetSpacing()
    volume_ml = float(mask_zyx.sum()) * spacing[0] * spacing[1] * spacing[2] / 1000.0
    columns = min(3, len(slices))
    rows = int(np.ceil(len(slices) / columns))
    figure = Figure(figsize=(3.2 * columns, 3.4 * rows + 0.4), dpi=100)
    level, width = window
    extent = (0.0, hu.shape[2] * spacing[0], hu.shape[1] * spacing[1], 0.0)  # mm, y down
    for n, z in enumerate(slices):
        axes = figure.add_subplot(rows, columns, n + 1)
        axes.imshow(hu[z], cmap="gray", vmin=level - width / 2, vmax=level + width / 2, extent=extent,
                    interpolation="nearest")
        if mask_zyx[z].any():
            ys = (np.arange(hu.shape[1]) + 0.5) * spacing[1]
            xs = (np.arange(hu.shape[2]) + 0.5) * spacing[0]
            axes.contour(xs, ys, mask_zyx[z].astype(np.float32), levels=[0.5], colors="red", linewidths=0.8)
        axes.set_title(f"slice {z}", fontsize=9)
        axes.set_axis_off()
    heading = f"{title}: " if title else ""
    figure.suptitle(f"{heading}brain mask {volume_ml:.0f} mL (window L{level:g}/W{width:g})", fontsize=10)
    figure.tight_layout()
    with atomic_path(out_path, suffix=".png") as tmp:
        figure.savefig(tmp, format="png")
    return slices
